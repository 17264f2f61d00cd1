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
