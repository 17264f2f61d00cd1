import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_TASK_QUEUE, workerConfigFromEnv } from '../../src/config.js';
import { configProblems, MODELARTS_ENV } from '../support/worker-config.js';

describe('worker configuration from the environment', () => {
  it('has sane defaults', () => {
    const config = workerConfigFromEnv(MODELARTS_ENV);
    expect(config.temporal).toMatchObject({ namespace: 'default', taskQueue: DEFAULT_TASK_QUEUE });
    expect(config.temporal.connectionOptions.address).toBe('localhost:7233');
    expect(config.tuning).toMatchObject({
      maxConcurrentActivityTaskExecutions: 100,
      maxConcurrentWorkflowTaskExecutions: 40,
      shutdownGraceTimeMs: 10_000,
    });
  });

  it('reads the Temporal variables and tuning overrides', () => {
    const config = workerConfigFromEnv({
      ...MODELARTS_ENV,
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: 'exports',
      TEMPORAL_TASK_QUEUE: 'q1',
      WORKER_MAX_CACHED_WORKFLOWS: '500',
      WORKER_SHUTDOWN_GRACE_SECONDS: '30',
      WORKER_METRICS_ADDRESS: '127.0.0.1:9464',
    });
    expect(config.temporal).toMatchObject({ namespace: 'exports', taskQueue: 'q1' });
    expect(config.temporal.connectionOptions.address).toBe('temporal:7233');
    expect(config.tuning).toMatchObject({
      maxCachedWorkflows: 500,
      shutdownGraceTimeMs: 30_000,
      metricsBindAddress: '127.0.0.1:9464',
    });
  });

  it('treats empty Temporal variables as unset (no TLS from an empty API key)', () => {
    const config = workerConfigFromEnv({ ...MODELARTS_ENV, TEMPORAL_API_KEY: '', TEMPORAL_TLS_CLIENT_CERT_PATH: '' });
    expect(config.temporal.connectionOptions.apiKey).toBeUndefined();
    expect(config.temporal.connectionOptions.tls).toBeFalsy();
  });

  it('lists every problem at once, each naming its variable', () => {
    const problems = configProblems({
      MODELARTS_PROJECT_ID: 'p1',
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '1',
      WORKER_MAX_CONCURRENT_ACTIVITIES: 'many',
      WORKER_METRICS_ADDRESS: '9464',
      TEMPORAL_TASK_QUEUE: ' ',
    });
    const text = problems.join('\n');
    for (const name of [
      'MODELARTS_ENDPOINT',
      'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
      'WORKER_MAX_CONCURRENT_ACTIVITIES',
      'WORKER_METRICS_ADDRESS',
      'TEMPORAL_TASK_QUEUE',
    ]) {
      expect(text).toContain(name);
    }
    expect(problems.length).toBeGreaterThanOrEqual(5);
  });
});

describe('cleartext to other machines is refused', () => {
  const remote = { MODELARTS_ENDPOINT: 'http://modelarts.example.com', MODELARTS_PROJECT_ID: 'p1' };

  it('http:// to a ModelArts or IAM host that is not this machine, unless allowed explicitly', () => {
    expect(configProblems({ ...remote, MODELARTS_AUTH_TOKEN: 'token-value' }).join('\n')).toMatch(
      /MODELARTS_ENDPOINT: must use https:\/\/ for a host that is not this machine \(modelarts\.example\.com\).*MODELARTS_ALLOW_CLEARTEXT=true/,
    );
    const iam = {
      MODELARTS_ENDPOINT: 'https://modelarts.example.com',
      MODELARTS_PROJECT_ID: 'p1',
      MODELARTS_IAM_ENDPOINT: 'http://iam.example.com/v3',
      MODELARTS_USERNAME: 'u',
      MODELARTS_PASSWORD: 'password-1',
      MODELARTS_DOMAIN_NAME: 'd',
      MODELARTS_PROJECT_NAME: 'eu-de',
    };
    expect(configProblems(iam).join('\n')).toMatch(/MODELARTS_IAM_ENDPOINT: must use https:\/\//);
    expect(configProblems({ ...iam, MODELARTS_ALLOW_CLEARTEXT: 'true' })).toEqual([]);
    expect(configProblems({ ...remote, MODELARTS_AUTH_TOKEN: 'token-value', MODELARTS_ALLOW_CLEARTEXT: '1' })).toEqual(
      [],
    );
  });

  it('http:// to this machine (the simulator) is fine', () => {
    for (const endpoint of ['http://127.0.0.1:8090', 'http://localhost:8090', 'http://[::1]:8090'])
      expect(configProblems({ ...MODELARTS_ENV, MODELARTS_ENDPOINT: endpoint })).toEqual([]);
  });

  it('an API key without TLS to a Temporal address that is not this machine', () => {
    const keyed = { ...MODELARTS_ENV, TEMPORAL_API_KEY: 'api-key-value', TEMPORAL_TLS: 'false' };
    expect(configProblems({ ...keyed, TEMPORAL_ADDRESS: 'temporal.example.com:7233' }).join('\n')).toMatch(
      /TEMPORAL_API_KEY: would be sent without TLS to temporal\.example\.com/,
    );
    expect(configProblems({ ...keyed, TEMPORAL_ADDRESS: '127.0.0.1:7233' })).toEqual([]);
    expect(
      configProblems({ ...keyed, TEMPORAL_ADDRESS: 'temporal.example.com:7233', MODELARTS_ALLOW_CLEARTEXT: 'true' }),
    ).toEqual([]);
    // With TLS (the default once an API key is set) any address is fine.
    const { TEMPORAL_TLS: _, ...withTls } = keyed;
    expect(configProblems({ ...withTls, TEMPORAL_ADDRESS: 'temporal.example.com:7233' })).toEqual([]);
  });
});

describe('secrets from files (NAME_FILE)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'secret-files-'));
  const file = (name: string, content: string) => {
    const at = path.join(dir, name);
    writeFileSync(at, content, { mode: 0o600 });
    return at;
  };

  it('reads a secret from the file its _FILE variable names (one trailing newline dropped)', () => {
    const config = workerConfigFromEnv({
      MODELARTS_ENDPOINT: 'https://modelarts.example.com',
      MODELARTS_PROJECT_ID: 'p1',
      MODELARTS_ACCESS_KEY_FILE: file('ak', 'AKFROMFILE0000000001\n'),
      MODELARTS_SECRET_KEY_FILE: file('sk', 'sk-from-file-value\n'),
      TEMPORAL_API_KEY_FILE: file('api', 'api-key-from-file\n'),
    });
    expect(config.modelarts.auth.mode).toBe('aksk');
    expect(config.temporal.connectionOptions.apiKey).toBe('api-key-from-file');
  });

  it('names the variable when the file is missing or empty, or when both forms are set', () => {
    const problems = configProblems({
      ...MODELARTS_ENV,
      MODELARTS_AUTH_TOKEN: 'token-value',
      MODELARTS_AUTH_TOKEN_FILE: file('token', 'other'),
      MODELARTS_PASSWORD_FILE: path.join(dir, 'missing'),
      TEMPORAL_API_KEY_FILE: file('empty', '\n'),
    }).join('\n');
    expect(problems).toContain('MODELARTS_AUTH_TOKEN, MODELARTS_AUTH_TOKEN_FILE: set one of them, not both');
    expect(problems).toMatch(/MODELARTS_PASSWORD_FILE: cannot read .*missing \(ENOENT\)/);
    expect(problems).toMatch(/TEMPORAL_API_KEY_FILE: .* is empty/);
    expect(problems).not.toContain('token-value');
  });
});
