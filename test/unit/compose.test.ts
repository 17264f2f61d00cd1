/**
 * The production deployment files: docker-compose.yml (validated and resolved by Debian's docker-compose 1.29,
 * which needs no Docker engine), the helper scripts under deploy/ (syntax-checked, and run under /bin/sh against
 * stubbed Temporal tools), the Dockerfile and .dockerignore.
 *
 * docker-compose 1.29 has no JSON output, so the assertions read the YAML that `docker-compose config` prints
 * (normalised: sorted keys, two-space indents, defaults interpolated) with a few small line-based helpers.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { ComposeFile } from '../../src/stack/compose-file.js';
import { SEARCH_ATTRIBUTE_KEYS, SEARCH_ATTRIBUTE_TYPE_NAMES } from '../../src/workflows/search-attributes.js';

const repo = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const composeFile = path.join(repo, 'docker-compose.yml');
const deployDir = path.join(repo, 'deploy');
const INSTALL_HINT =
  'docker-compose (v1.29, the Debian package) is needed to validate docker-compose.yml without a Docker engine: ' +
  'run `apt-get install docker-compose` (CI installs it).';

/** Every search attribute the workflows set, with the type the namespace job registers it as. */
const SEARCH_ATTRIBUTE_TYPES = SEARCH_ATTRIBUTE_KEYS.map((key) => ({
  name: key.name,
  type: SEARCH_ATTRIBUTE_TYPE_NAMES[key.type as 'KEYWORD' | 'DATETIME'],
}));
const SEARCH_ATTRIBUTES = SEARCH_ATTRIBUTE_TYPES.map((a) => a.name);
/** POSTGRES_PASSWORD has no default, so every resolution below sets one (unless a test says otherwise). */
const PASSWORD = 'pw-from-env-file';

let scratch: string;
let emptyEnvFile: string;

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'compose-test-'));
  emptyEnvFile = path.join(scratch, 'empty.env');
  writeFileSync(emptyEnvFile, '');
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/**
 * Runs docker-compose on our file with a controlled environment: only PATH/HOME/LANG from the host (so a
 * developer's exported TEMPORAL_ADDRESS or COMPOSE_PROFILES can't change the result) plus POSTGRES_PASSWORD and
 * `env`, and an empty env file instead of a local `.env`.
 */
function compose(args: string[], env: Record<string, string> = {}, envFile = emptyEnvFile): SpawnSyncReturns<string> {
  return composeRaw(args, { POSTGRES_PASSWORD: PASSWORD, ...env }, envFile);
}

function composeRaw(args: string[], env: Record<string, string>, envFile = emptyEnvFile): SpawnSyncReturns<string> {
  const result = spawnSync(
    'docker-compose',
    ['-f', composeFile, '--project-directory', repo, '--env-file', envFile, ...args],
    {
      cwd: repo,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? scratch, LANG: 'C.UTF-8', ...env },
      timeout: 60_000,
    },
  );
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') throw new Error(INSTALL_HINT);
  if (result.error) throw result.error;
  return result;
}

function composeOk(args: string[], env: Record<string, string> = {}, envFile?: string): string {
  const result = compose(args, env, envFile);
  if (result.status !== 0) {
    throw new Error(`docker-compose ${args.join(' ')} exited ${result.status}:\n${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

const indentOf = (line: string) => line.length - line.trimStart().length;

/**
 * The lines under `key:` (at `indent`) up to the next key at that indent or less. PyYAML prints list items at
 * the indent of their key (`ports:` then `- 8080:8080`), so those belong to the block.
 */
function block(lines: string[], key: string, indent: number): string[] | undefined {
  const start = lines.findIndex((l) => indentOf(l) === indent && l.trimEnd() === `${' '.repeat(indent)}${key}:`);
  if (start < 0) return undefined;
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') continue;
    if (indentOf(line) < indent || (indentOf(line) === indent && !line.trimStart().startsWith('- '))) break;
    out.push(line);
  }
  return out;
}

interface Service {
  name: string;
  lines: string[];
  /** Top-level keys of the service (build, image, environment, ports, ...). */
  keys: Set<string>;
  text: string;
}

function parseServices(yaml: string): Map<string, Service> {
  const services = block(yaml.split('\n'), 'services', 0);
  if (!services) throw new Error(`no services: in\n${yaml}`);
  const result = new Map<string, Service>();
  for (const line of services) {
    const m = /^ {2}([A-Za-z0-9_.-]+):\s*$/.exec(line);
    if (!m) continue;
    const lines = block(services, m[1]!, 2)!;
    const keys = new Set(
      lines.filter((l) => indentOf(l) === 4 && /^\s+[A-Za-z_]+:/.test(l)).map((l) => l.trim().split(':')[0]!),
    );
    result.set(m[1]!, { name: m[1]!, lines, keys, text: lines.join('\n') });
  }
  return result;
}

/** `environment:` as printed by docker-compose config: `KEY: value`, `KEY: ''` or `KEY: null` (pass-through). */
function environmentOf(service: Service): Map<string, string | null> {
  const env = new Map<string, string | null>();
  for (const line of block(service.lines, 'environment', 4) ?? []) {
    const m = /^ {6}([A-Za-z_][A-Za-z0-9_]*): ?(.*)$/.exec(line);
    if (!m) continue;
    const raw = m[2]!.trim();
    env.set(m[1]!, raw === 'null' ? null : raw.replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1'));
  }
  return env;
}

/** A YAML list under `key:` (items at the same indent as the key, as PyYAML prints them). */
function listOf(service: Service, key: string): string[] {
  return (block(service.lines, key, 4) ?? [])
    .filter((l) => /^ {4}- /.test(l))
    .map((l) =>
      l
        .replace(/^ {4}- /, '')
        .trim()
        .replace(/^'(.*)'$/, '$1'),
    );
}

/** A service's image (as `config` prints it). */
const imageOf = (service: Service) => /^ {4}image: (.+)$/m.exec(service.text)?.[1];

function configServices(env: Record<string, string> = {}, profile?: string): Map<string, Service> {
  return parseServices(composeOk([...(profile ? ['--profile', profile] : []), 'config'], env));
}

describe('docker-compose.yml (validated with docker-compose 1.29)', () => {
  it('docker-compose is installed', () => {
    const version = compose(['version', '--short']);
    expect(version.status).toBe(0);
  });

  it('is valid, with and without the simulator and sealed profiles, and needs no variable but POSTGRES_PASSWORD', () => {
    for (const args of [
      ['config', '-q'],
      ['--profile', 'simulator', 'config', '-q'],
      ['--profile', 'sealed', 'config', '-q'],
    ]) {
      const result = compose(args);
      expect({ args, status: result.status, stderr: result.stderr }).toEqual({
        args,
        status: 0,
        stderr: expect.any(String),
      });
      // Every other ${VAR} has a default (or is a deliberate pass-through), so compose warns about nothing.
      expect(result.stderr).not.toMatch(/variable is not set/i);
    }
  });

  it('refuses to start without POSTGRES_PASSWORD, unset or empty: no shared default password', () => {
    for (const env of [{}, { POSTGRES_PASSWORD: '' }] as Record<string, string>[]) {
      const result = composeRaw(['config', '-q'], env);
      expect({ env, status: result.status }).toEqual({ env, status: 1 });
      expect(result.stderr).toContain('set POSTGRES_PASSWORD');
    }
    // The password every service gets is the one given, in the server, the schema job and the database.
    const services = configServices({ POSTGRES_PASSWORD: 'S3cret-given' });
    expect(environmentOf(services.get('postgresql')!).get('POSTGRES_PASSWORD')).toBe('S3cret-given');
    for (const name of ['temporal', 'temporal-schema-setup'])
      expect({ name, pwd: environmentOf(services.get(name)!).get('POSTGRES_PWD') }).toEqual({
        name,
        pwd: 'S3cret-given',
      });
    // Nowhere in the file is there a password to fall back on.
    expect(readFileSync(composeFile, 'utf8')).not.toMatch(/POSTGRES_PASSWORD:-/);
    // The native stack reads the file the same way: without the variable, no environment at all.
    expect(() => new ComposeFile(composeFile).environment('temporal', {})).toThrow(/POSTGRES_PASSWORD/);
  });

  it('has the Temporal stack, the worker, the exporter, Prometheus, Jaeger and (in their profiles) the simulator and the codec server', () => {
    const expected = [
      'postgresql',
      'temporal-schema-setup',
      'temporal',
      'temporal-create-namespace',
      'temporal-ui',
      'worker',
      'exporter',
      'prometheus',
      'jaeger',
    ];
    const all = composeOk(['--profile', 'simulator', 'config', '--services']).trim().split('\n').sort();
    expect(all).toEqual([...expected, 'simulator', 'codec-server'].sort());
    // docker-compose 1.29's `config` ignores profiles, so membership is checked on the `profiles` key itself.
    const services = configServices();
    for (const name of expected)
      expect({ name, profiles: listOf(services.get(name)!, 'profiles') }).toEqual({ name, profiles: [] });
    expect(listOf(services.get('simulator')!, 'profiles')).toEqual(['simulator']);
    expect(listOf(services.get('codec-server')!, 'profiles')).toEqual(['sealed']);
  });

  it('pins every image to an explicit version (overridable through variables)', () => {
    const services = configServices();
    const image = (name: string) => imageOf(services.get(name)!);
    expect(image('postgresql')).toBe('postgres:16');
    expect(image('temporal-schema-setup')).toBe('temporalio/admin-tools:1.32.1');
    expect(image('temporal-create-namespace')).toBe('temporalio/admin-tools:1.32.1');
    expect(image('temporal')).toBe('temporalio/server:1.32.1');
    expect(image('temporal-ui')).toBe('temporalio/ui:2.54.1');
    // The Prometheus whose promtool (Debian's 2.42) tests the rules; the Jaeger image of the v1.75.0 module.
    expect(image('prometheus')).toBe('prom/prometheus:v2.42.0');
    expect(image('jaeger')).toBe('jaegertracing/jaeger:2.12.0');
    expect(image('exporter')).toBe(image('worker'));
    // Every image carries an explicit tag; none is the deprecated temporalio/auto-setup.
    for (const service of services.values()) {
      expect({ name: service.name, image: image(service.name) }).toEqual({
        name: service.name,
        image: expect.stringMatching(/^[\w./-]+:[\w.-]+$/),
      });
      expect(image(service.name)).not.toMatch(/auto-setup|:latest$/);
    }
    const bumped = configServices({ TEMPORAL_VERSION: '1.31.0', TEMPORAL_UI_VERSION: '2.40.0' });
    expect(bumped.get('temporal')!.text).toContain('image: temporalio/server:1.31.0');
    expect(bumped.get('temporal-ui')!.text).toContain('image: temporalio/ui:2.40.0');
  });

  it('runs PostgreSQL with a healthcheck and a named volume', () => {
    expect(composeOk(['config', '--volumes']).trim().split('\n')).toContain('postgresql-data');
    const pg = configServices().get('postgresql')!;
    expect(listOf(pg, 'volumes')).toContain('postgresql-data:/var/lib/postgresql/data:rw');
    expect(pg.keys.has('healthcheck')).toBe(true);
    expect(pg.text).toContain('pg_isready');
    expect(pg.keys.has('ports')).toBe(false);
  });

  it('sets up the schemas in a one-shot admin-tools job before the server starts', () => {
    const services = configServices();
    const setup = services.get('temporal-schema-setup')!;
    expect(setup.text).toMatch(/depends_on:\n\s+postgresql:\n\s+condition: service_healthy/);
    expect(listOf(setup, 'command')).toEqual(['/deploy/setup-postgres.sh']);
    expect(listOf(setup, 'volumes')).toContain(`${deployDir}:/deploy:ro`);
    const temporal = services.get('temporal')!;
    expect(temporal.text).toMatch(
      /depends_on:\n\s+temporal-schema-setup:\n\s+condition: service_completed_successfully/,
    );
  });

  it('runs temporalio/server on PostgreSQL with a dynamic config file and a healthcheck', () => {
    const temporal = configServices().get('temporal')!;
    const env = environmentOf(temporal);
    expect(env.get('DB')).toBe('postgres12');
    expect(env.get('POSTGRES_SEEDS')).toBe('postgresql');
    expect(env.get('POSTGRES_USER')).toBeTruthy();
    expect(env.get('POSTGRES_PWD')).toBeTruthy();
    expect(env.get('BIND_ON_IP')).toBe('0.0.0.0');
    expect(temporal.keys.has('healthcheck')).toBe(true);
    // The dynamic config path points into the mounted deploy/dynamicconfig folder, at a file that exists.
    const dynamicConfig = env.get('DYNAMIC_CONFIG_FILE_PATH')!;
    const mount = listOf(temporal, 'volumes').find((v) => v.split(':')[1] === path.posix.dirname(dynamicConfig));
    expect(mount).toBeDefined();
    expect(existsSync(path.join(mount!.split(':')[0]!, path.posix.basename(dynamicConfig)))).toBe(true);
    expect(listOf(temporal, 'ports')).toEqual(['127.0.0.1:7233:7233/tcp']);
    // Decided before the first start (the shard count cannot change later), and no-auth said out loud.
    expect(env.get('NUM_HISTORY_SHARDS')).toBe('4');
    expect(
      environmentOf(configServices({ NUM_HISTORY_SHARDS: '512' }).get('temporal')!).get('NUM_HISTORY_SHARDS'),
    ).toBe('512');
    expect(env.get('TEMPORAL_ALLOW_NO_AUTH')).toBe('true');
  });

  it('gives the native stack (src/stack/compose-file.ts) the same versions and environments as docker-compose', () => {
    const vars = {
      POSTGRES_PASSWORD: 'from-shell',
      TEMPORAL_NAMESPACE: 'team-a',
      MODELARTS_ACCESS_KEY: 'AK',
      OS_PASSWORD: 'p',
    };
    const fromCompose = configServices(vars, 'simulator');
    const native = new ComposeFile(composeFile);
    for (const [name, service] of fromCompose) {
      const expected = Object.fromEntries([...environmentOf(service)].filter(([, v]) => v !== null));
      expect({ name, env: native.environment(name, vars) }).toEqual({ name, env: expected });
    }
    const tag = (name: string) => /:([^:]+)$/.exec(fromCompose.get(name)!.text.match(/image: (\S+)/)![1]!)![1];
    expect(native.imageTag('temporal', vars)).toBe(tag('temporal'));
    expect(native.imageTag('temporal-ui', vars)).toBe(tag('temporal-ui'));
    expect(native.imageTag('temporal', { TEMPORAL_VERSION: '1.32.0' })).toBe('1.32.0');
  });

  it('creates the namespace and the search attributes once the server is healthy', () => {
    const job = configServices().get('temporal-create-namespace')!;
    expect(job.text).toMatch(/depends_on:\n\s+temporal:\n\s+condition: service_healthy/);
    expect(listOf(job, 'command')).toEqual(['/deploy/create-namespace.sh']);
    expect(environmentOf(job).get('TEMPORAL_ADDRESS')).toBe('temporal:7233');
    expect(environmentOf(job).get('NAMESPACE')).toBe('default');
    const script = readFileSync(path.join(deployDir, 'create-namespace.sh'), 'utf8');
    for (const name of SEARCH_ATTRIBUTES) expect(script).toContain(name);
    expect(script).toContain('search-attribute create');
    expect(script).toMatch(/SEARCH_ATTRIBUTE_TYPE="Keyword"/);
  });

  it('serves the Temporal UI on port 8080', () => {
    const ui = configServices().get('temporal-ui')!;
    expect(listOf(ui, 'ports')).toEqual(['127.0.0.1:8080:8080/tcp']);
    expect(environmentOf(ui).get('TEMPORAL_ADDRESS')).toBe('temporal:7233');
  });

  it('builds the worker from the Dockerfile, scalable: no container_name, no published ports', () => {
    const services = configServices();
    const worker = services.get('worker')!;
    expect(block(worker.lines, 'build', 4)?.map((l) => l.trim())).toContain(`context: ${repo}`);
    expect(worker.keys.has('container_name')).toBe(false);
    expect(worker.keys.has('ports')).toBe(false);
    expect([...listOf(worker, 'entrypoint'), ...listOf(worker, 'command')]).toEqual([
      'node',
      'bin/modelarts-export.js',
      'worker',
    ]);
    expect(worker.text).toMatch(
      /depends_on:\n\s+temporal-create-namespace:\n\s+condition: service_completed_successfully/,
    );
    // No service may pin a container name: `--scale` and parallel projects need generated names.
    for (const service of services.values())
      expect({ name: service.name, has: service.keys.has('container_name') }).toEqual({
        name: service.name,
        has: false,
      });
  });

  it('gives the worker defaults for the cluster above and no credentials of its own', () => {
    const env = environmentOf(configServices().get('worker')!);
    expect(env.get('TEMPORAL_ADDRESS')).toBe('temporal:7233');
    expect(env.get('TEMPORAL_NAMESPACE')).toBe('default');
    expect(env.get('TEMPORAL_TASK_QUEUE')).toBe('modelarts-export');
    for (const name of [
      'MODELARTS_ENDPOINT',
      'MODELARTS_PROJECT_ID',
      'MODELARTS_ACCESS_KEY',
      'MODELARTS_SECRET_KEY',
      'MODELARTS_AUTH_TOKEN',
      'MODELARTS_PASSWORD',
    ]) {
      expect({ name, value: env.get(name) }).toEqual({ name, value: '' });
    }
    // Unset, not empty: @temporalio/envconfig reads TEMPORAL_API_KEY="" as "API key mode" (TLS on) and an empty
    // certificate path as a file to open, which would break the connection to the local server.
    for (const name of ['TEMPORAL_API_KEY', 'TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH']) {
      expect({ name, value: env.get(name) }).toEqual({ name, value: null });
    }
  });

  it('passes the Temporal and ModelArts settings through from the shell and from an env file', () => {
    const fromShell = environmentOf(
      configServices({
        TEMPORAL_ADDRESS: 'my-ns.a1b2c.tmprl.cloud:7233',
        TEMPORAL_NAMESPACE: 'my-ns.a1b2c',
        TEMPORAL_API_KEY: 'test-api-key',
        TEMPORAL_TASK_QUEUE: 'other-queue',
        MODELARTS_ENDPOINT: 'https://modelarts.eu-de.otc.t-systems.com',
        MODELARTS_PROJECT_ID: '0123456789abcdef0123456789abcdef',
        MODELARTS_ACCESS_KEY: 'TESTACCESSKEY',
        MODELARTS_SECRET_KEY: 'test-secret',
        OS_PASSWORD: 'openrc-password',
      }).get('worker')!,
    );
    expect(
      Object.fromEntries(
        [...fromShell].filter(([k]) =>
          /^(TEMPORAL_(ADDRESS|NAMESPACE|API_KEY|TASK_QUEUE)|MODELARTS_(ENDPOINT|PROJECT_ID|ACCESS_KEY|SECRET_KEY)|OS_PASSWORD)$/.test(
            k,
          ),
        ),
      ),
    ).toEqual({
      TEMPORAL_ADDRESS: 'my-ns.a1b2c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'my-ns.a1b2c',
      TEMPORAL_API_KEY: 'test-api-key',
      TEMPORAL_TASK_QUEUE: 'other-queue',
      MODELARTS_ENDPOINT: 'https://modelarts.eu-de.otc.t-systems.com',
      MODELARTS_PROJECT_ID: '0123456789abcdef0123456789abcdef',
      MODELARTS_ACCESS_KEY: 'TESTACCESSKEY',
      MODELARTS_SECRET_KEY: 'test-secret',
      OS_PASSWORD: 'openrc-password',
    });
    const envFile = path.join(scratch, 'worker.env');
    writeFileSync(
      envFile,
      'MODELARTS_ENDPOINT=http://simulator:8090\nTEMPORAL_TLS_CLIENT_CERT_PATH=/certs/client.pem\n',
    );
    const fromFile = environmentOf(parseServices(composeOk(['config'], {}, envFile)).get('worker')!);
    expect(fromFile.get('MODELARTS_ENDPOINT')).toBe('http://simulator:8090');
    expect(fromFile.get('TEMPORAL_TLS_CLIENT_CERT_PATH')).toBe('/certs/client.pem');
  });

  it('hard-codes no ModelArts or Temporal credentials', () => {
    const raw = readFileSync(composeFile, 'utf8');
    for (const line of raw.split('\n')) {
      const m = /^\s+((?:MODELARTS|OS|HUAWEICLOUD_SDK)_[A-Z_]+|TEMPORAL_API_KEY|TEMPORAL_TLS\w*):\s*(.*)$/.exec(line);
      if (!m) continue;
      // Either a pass-through (no value) or ${SAME_NAME:-} with an empty default; the one fixed value is the codec
      // server's consent to listen in clear on the compose network (a setting, not a credential).
      const consent = m[1] === 'MODELARTS_ALLOW_CLEARTEXT' && m[2] === "'true'";
      expect({ line: line.trim(), ok: m[2] === '' || m[2] === `\${${m[1]}:-}` || consent }).toEqual({
        line: line.trim(),
        ok: true,
      });
    }
  });

  it('runs Prometheus with deploy/prometheus (config and rules), scraping every service that publishes metrics', () => {
    const services = configServices();
    const prometheus = services.get('prometheus')!;
    expect(listOf(prometheus, 'volumes')).toContain(`${path.join(deployDir, 'prometheus')}:/etc/prometheus:ro`);
    expect(listOf(prometheus, 'command')).toContain('--config.file=/etc/prometheus/prometheus.yml');
    expect(listOf(prometheus, 'ports')).toEqual(['127.0.0.1:9090:9090/tcp']);
    const config = parseYaml(readFileSync(path.join(deployDir, 'prometheus', 'prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: {
        job_name: string;
        static_configs?: { targets: string[] }[];
        dns_sd_configs?: { names: string[]; port: number }[];
      }[];
    };
    // The rule files it loads are the ones promtool tests (mounted from deploy/prometheus/rules).
    expect(config.rule_files).toEqual(['/etc/prometheus/rules/*.yml']);
    expect(
      readdirSync(path.join(deployDir, 'prometheus', 'rules')).filter((f) => f.endsWith('.yml')).length,
    ).toBeGreaterThan(0);
    // Each target is a service of this file, at the port that service's metrics listen on.
    const targets = config.scrape_configs.flatMap((job) => [
      ...(job.static_configs ?? []).flatMap((c) => c.targets),
      ...(job.dns_sd_configs ?? []).flatMap((c) => c.names.map((n) => `${n}:${c.port}`)),
    ]);
    const portOf = (address: string | null | undefined) => address?.split(':').pop();
    expect(targets.sort()).toEqual(
      [
        `worker:${portOf(environmentOf(services.get('worker')!).get('WORKER_METRICS_ADDRESS'))}`,
        `exporter:${portOf(listOf(services.get('exporter')!, 'command').at(-1))}`,
        `temporal:${portOf(environmentOf(services.get('temporal')!).get('PROMETHEUS_ENDPOINT'))}`,
        'jaeger:8888',
      ].sort(),
    );
  });

  it('runs the overdue-wait exporter once, from the worker image, after the namespace exists', () => {
    const exporter = configServices().get('exporter')!;
    expect([...listOf(exporter, 'entrypoint'), ...listOf(exporter, 'command')]).toEqual([
      'node',
      'bin/modelarts-export.js',
      'exporter',
      '--listen',
      '0.0.0.0:9465',
    ]);
    expect(exporter.text).toMatch(
      /depends_on:\n\s+temporal-create-namespace:\n\s+condition: service_completed_successfully/,
    );
    const env = environmentOf(exporter);
    expect(env.get('TEMPORAL_ADDRESS')).toBe('temporal:7233');
    expect(env.get('TEMPORAL_API_KEY')).toBe(null);
    expect(exporter.keys.has('ports')).toBe(false);
  });

  it("sends the workers' traces to the jaeger service, whose UI is on loopback; an empty endpoint turns them off", () => {
    const services = configServices();
    const jaeger = services.get('jaeger')!;
    expect(listOf(jaeger, 'ports')).toEqual(['127.0.0.1:16686:16686/tcp']);
    expect(environmentOf(jaeger).get('JAEGER_LISTEN_HOST')).toBe('0.0.0.0');
    const worker = environmentOf(services.get('worker')!);
    expect(worker.get('OTEL_EXPORTER_OTLP_ENDPOINT')).toBe('http://jaeger:4318');
    expect(worker.get('OTEL_SERVICE_NAME')).toBe('modelarts-worker');
    const off = environmentOf(configServices({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }).get('worker')!);
    expect(off.get('OTEL_EXPORTER_OTLP_ENDPOINT')).toBe('');
  });

  it('runs the simulator from the same image, listening on 0.0.0.0:8090', () => {
    const services = configServices({}, 'simulator');
    const simulator = services.get('simulator')!;
    expect(imageOf(simulator)).toBe(imageOf(services.get('worker')!));
    expect([...listOf(simulator, 'entrypoint'), ...listOf(simulator, 'command')]).toEqual([
      'node',
      'bin/modelarts-export.js',
      'simulator',
      '--port',
      '8090',
      '--host',
      '0.0.0.0',
    ]);
  });
});

describe('docker-compose.yml in sealed mode', () => {
  it('runs the codec server from the worker image, published on loopback, CORS for the UI; off the UI without it', () => {
    const services = configServices({}, 'sealed');
    const codec = services.get('codec-server')!;
    expect(imageOf(codec)).toBe(imageOf(services.get('worker')!));
    expect([...listOf(codec, 'entrypoint'), ...listOf(codec, 'command')]).toEqual([
      'node',
      'bin/modelarts-export.js',
      'codec-server',
      '--listen',
      '0.0.0.0:8888',
      '--cors-origin',
      'http://127.0.0.1:8080',
    ]);
    expect(listOf(codec, 'ports')).toEqual(['127.0.0.1:8888:8888/tcp']);
    const env = environmentOf(codec);
    // Keys and tokens only from the shell (or mounted files): nothing secret in the file.
    expect(env.get('MODELARTS_SEALED_KEYS')).toBe('');
    expect(env.get('MODELARTS_CODEC_TOKENS')).toBe('');
    expect(env.get('MODELARTS_SEALED_KEYS_FILE')).toBeNull();
    expect(env.get('MODELARTS_CODEC_TOKENS_FILE')).toBeNull();
    // Without a codec endpoint the UI decodes nothing (and asks nothing of a codec server).
    const ui = environmentOf(services.get('temporal-ui')!);
    expect(ui.get('TEMPORAL_CODEC_ENDPOINT')).toBe('');
    expect(ui.get('TEMPORAL_CODEC_INCLUDE_CREDENTIALS')).toBe('true');
    expect(environmentOf(services.get('worker')!).get('MODELARTS_SEALED')).toBe('');
  });

  it("configures the UI with the codec endpoint the browser reaches, and the workers' sealed settings, from the shell", () => {
    const keys = '{"default":{"current":"k1","keys":{"k1":"x"}}}';
    const services = configServices(
      {
        TEMPORAL_CODEC_ENDPOINT: 'http://127.0.0.1:8888',
        MODELARTS_SEALED: 'true',
        MODELARTS_SEALED_KEYS: keys,
        CODEC_CORS_ORIGIN: 'http://127.0.0.1:9080',
      },
      'sealed',
    );
    expect(environmentOf(services.get('temporal-ui')!).get('TEMPORAL_CODEC_ENDPOINT')).toBe('http://127.0.0.1:8888');
    const worker = environmentOf(services.get('worker')!);
    expect([worker.get('MODELARTS_SEALED'), worker.get('MODELARTS_SEALED_KEYS')]).toEqual(['true', keys]);
    expect(environmentOf(services.get('codec-server')!).get('MODELARTS_SEALED_KEYS')).toBe(keys);
    expect(listOf(services.get('codec-server')!, 'command')).toContain('http://127.0.0.1:9080');
    // The native stack reads the same environment (src/stack/compose-file.ts).
    const file = new ComposeFile(composeFile);
    expect(
      file.environment('temporal-ui', { POSTGRES_PASSWORD: PASSWORD, TEMPORAL_CODEC_ENDPOINT: 'http://127.0.0.1:1' }),
    ).toMatchObject({ TEMPORAL_CODEC_ENDPOINT: 'http://127.0.0.1:1', TEMPORAL_CODEC_INCLUDE_CREDENTIALS: 'true' });
  });
});

describe('deploy/*.sh', () => {
  const scripts = readdirSync(deployDir).filter((f) => f.endsWith('.sh'));

  it('has the schema and namespace scripts', () => {
    expect(scripts).toEqual(expect.arrayContaining(['setup-postgres.sh', 'create-namespace.sh']));
  });

  it.each(['bash', 'sh'])('parses with %s -n', (shell) => {
    for (const script of scripts) {
      const result = spawnSync(shell, ['-n', path.join(deployDir, script)], { encoding: 'utf8' });
      expect({ script, status: result.status, stderr: result.stderr }).toEqual({ script, status: 0, stderr: '' });
    }
  });

  it('expands no variable it never sets (the upstream $MAX_ATTdMPTS bug, fatal under set -u)', () => {
    for (const script of scripts) {
      const code = readFileSync(path.join(deployDir, script), 'utf8')
        .split('\n')
        .filter((l) => !l.trimStart().startsWith('#'))
        .join('\n');
      const isSet = (name: string) =>
        new RegExp(`(^|[\\s;(])${name}=`, 'm').test(code) || // NAME=... (or awk -v NAME=...)
        new RegExp(`\\bfor\\s+${name}\\s+in\\b`).test(code) || // for NAME in ...
        new RegExp(`\\$\\{${name}:?[?=]`).test(code); // ${NAME:?error} / ${NAME:=default}
      // $NAME and ${NAME}, but not ${NAME:-default} / ${NAME-default}, which are safe on their own.
      const expanded = [...code.matchAll(/\$(?:\{([A-Za-z_]\w*)(?!\w|:?[-?=])|([A-Za-z_]\w*))/g)].map(
        (m) => (m[1] ?? m[2])!,
      );
      const unset = [...new Set(expanded.filter((name) => !isSet(name)))];
      expect({ script, unset }).toEqual({ script, unset: [] });
    }
  });
});

/** Writes an executable /bin/sh stub. */
function stub(dir: string, name: string, body: string): void {
  writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`);
  chmodSync(path.join(dir, name), 0o755);
}

/** A Temporal CLI stand-in that keeps namespaces and search attributes in files under $STUB_STATE. */
const TEMPORAL_STUB = String.raw`
S="$STUB_STATE"
echo "$*" >> "$S/calls"
sub="$2 $3"
ns=""; name=""; type=""
while [ $# -gt 0 ]; do
  case "$1" in --namespace) ns="$2"; shift;; --name) name="$2"; shift;; --type) type="$2"; shift;; esac
  shift
done
case "$sub" in
  "cluster health")
    n=$(cat "$S/health_failures" 2>/dev/null || echo 0)
    if [ "$n" -gt 0 ]; then echo $((n - 1)) > "$S/health_failures"; echo "connection refused" >&2; exit 1; fi
    echo SERVING;;
  "namespace describe") [ -f "$S/ns_$ns" ] || { echo "Namespace $ns is not found." >&2; exit 1; };;
  "namespace create") touch "$S/ns_$ns";;
  "search-attribute list")
    printf '             Name                Type\n  WorkflowId                  Keyword\n'
    if [ -f "$S/hide_list_once" ]; then rm "$S/hide_list_once"; exit 0; fi
    cat "$S/sa_$ns" 2>/dev/null || true;;
  "search-attribute create")
    if grep -q "^  $name " "$S/sa_$ns" 2>/dev/null; then
      echo "Error: unable to add search attributes: Search attribute $name already exists" >&2; exit 1
    fi
    printf '  %s  %s\n' "$name" "$type" >> "$S/sa_$ns";;
  *) echo "unexpected: $*" >&2; exit 9;;
esac`;

describe('deploy/create-namespace.sh against a stubbed Temporal CLI', () => {
  let dir: string;
  let state: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(scratch, 'ns-'));
    state = path.join(dir, 'state');
    mkdirSync(state);
    mkdirSync(path.join(dir, 'bin'));
    stub(path.join(dir, 'bin'), 'temporal', TEMPORAL_STUB);
  });

  const run = (env: Record<string, string> = {}) =>
    spawnSync('/bin/sh', [path.join(deployDir, 'create-namespace.sh')], {
      encoding: 'utf8',
      env: {
        PATH: `${path.join(dir, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        STUB_STATE: state,
        SLEEP_SECONDS: '0',
        TEMPORAL_ADDRESS: 'temporal:7233',
        NAMESPACE: 'default',
        ...env,
      },
    });
  const calls = () => readFileSync(path.join(state, 'calls'), 'utf8').trim().split('\n');
  const creates = () => calls().filter((c) => c.startsWith('operator search-attribute create'));

  it('waits for the server, creates the namespace and registers the Keyword and Datetime attributes', () => {
    writeFileSync(path.join(state, 'health_failures'), '2');
    const result = run();
    expect(result.status).toBe(0);
    expect(calls().filter((c) => c.startsWith('operator cluster health'))).toHaveLength(3);
    expect(calls()).toContain('operator namespace create --namespace default --retention 72h --address temporal:7233');
    expect(creates()).toEqual(
      SEARCH_ATTRIBUTE_TYPES.map(
        ({ name, type }) =>
          `operator search-attribute create --namespace default --address temporal:7233 --name ${name} --type ${type}`,
      ),
    );
  });

  it('is idempotent: a second run creates nothing and succeeds', () => {
    expect(run().status).toBe(0);
    writeFileSync(path.join(state, 'calls'), '');
    const again = run();
    expect(again.status).toBe(0);
    expect(calls().some((c) => c.startsWith('operator namespace create'))).toBe(false);
    expect(creates()).toEqual([]);
  });

  it('tolerates "already exists" from a create that raced another registration', () => {
    expect(run().status).toBe(0);
    writeFileSync(path.join(state, 'hide_list_once'), '');
    const result = run();
    expect(result.status).toBe(0);
    // The create's complaint is reported on the script's own log line, not as a bare `Error:` from the CLI.
    expect(result.stdout).toMatch(/search attribute \w+: the server answered: .*already exists/);
    expect(result.stderr).toBe('');
  });

  it('fails clearly when an attribute exists with another type', () => {
    writeFileSync(path.join(state, 'ns_default'), '');
    writeFileSync(path.join(state, 'sa_default'), '  ModelArtsTaskId  Text\n');
    const result = run();
    expect(result.status).not.toBe(0);
    expect(result.stdout).toMatch(/ModelArtsTaskId is registered as Text/);
  });

  it('gives up after MAX_ATTEMPTS when the server never becomes healthy', () => {
    writeFileSync(path.join(state, 'health_failures'), '100');
    const result = run({ MAX_ATTEMPTS: '3' });
    expect(result.status).not.toBe(0);
    expect(calls()).toHaveLength(3);
  });
});

describe('deploy/setup-postgres.sh against stubbed temporal-sql-tool, pg_isready and nc', () => {
  /**
   * Runs the script with only stubs on PATH (everything else it uses is a shell builtin), so which of
   * pg_isready and nc it waits with is decided by the stubs given.
   */
  function setup(stubs: Record<string, string>, env: Record<string, string> = {}) {
    const dir = mkdtempSync(path.join(scratch, 'pg-'));
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    const schemaRoot = path.join(dir, 'schema');
    for (const sub of ['temporal', 'visibility'])
      mkdirSync(path.join(schemaRoot, sub, 'versioned'), { recursive: true });
    const log = path.join(dir, 'calls');
    writeFileSync(log, '');
    stub(bin, 'temporal-sql-tool', `echo "temporal-sql-tool $* | SQL_PASSWORD=$SQL_PASSWORD" >> "${log}"`);
    stub(bin, 'sleep', 'exit 0');
    for (const [name, body] of Object.entries(stubs)) stub(bin, name, `echo "${name} $*" >> "${log}"\n${body}`);
    const result = spawnSync('/bin/sh', [path.join(deployDir, 'setup-postgres.sh')], {
      encoding: 'utf8',
      env: {
        PATH: bin,
        POSTGRES_SEEDS: 'postgresql',
        POSTGRES_USER: 'temporal',
        POSTGRES_PWD: 'pw-123',
        SCHEMA_ROOT: schemaRoot,
        ...env,
      },
    });
    return { result, calls: readFileSync(log, 'utf8').trim().split('\n'), schemaRoot };
  }

  it('waits with pg_isready, then creates and migrates both databases, with the password kept off the command line', () => {
    const { result, calls, schemaRoot } = setup({ pg_isready: 'exit 0', nc: 'exit 0' });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    const common = 'temporal-sql-tool --plugin postgres12 --ep postgresql -p 5432 -u temporal';
    expect(calls).toEqual([
      'pg_isready -q -h postgresql -p 5432 -t 5',
      `${common} --db temporal create | SQL_PASSWORD=pw-123`,
      `${common} --db temporal setup-schema -v 0.0 | SQL_PASSWORD=pw-123`,
      `${common} --db temporal update-schema -d ${schemaRoot}/temporal/versioned | SQL_PASSWORD=pw-123`,
      `${common} --db temporal_visibility create | SQL_PASSWORD=pw-123`,
      `${common} --db temporal_visibility setup-schema -v 0.0 | SQL_PASSWORD=pw-123`,
      `${common} --db temporal_visibility update-schema -d ${schemaRoot}/visibility/versioned | SQL_PASSWORD=pw-123`,
    ]);
  });

  it('waits with nc where there is no pg_isready (the admin-tools image)', () => {
    const { result, calls } = setup({ nc: 'exit 0' });
    expect(result.status).toBe(0);
    expect(calls[0]).toBe('nc -z -w 5 postgresql 5432');
  });

  it('fails at once, saying what to install, with neither pg_isready nor nc', () => {
    const { result, calls } = setup({});
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('neither pg_isready nor nc is installed');
    expect(calls).toEqual(['']);
  });

  it('gives up after WAIT_ATTEMPTS when PostgreSQL never answers', () => {
    const { result, calls } = setup({ pg_isready: 'exit 2' }, { WAIT_ATTEMPTS: '3' });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('still unreachable after 3 attempts');
    expect(calls.filter((c) => c.startsWith('pg_isready'))).toHaveLength(3);
  });

  it('names SCHEMA_ROOT when the schema is not there', () => {
    const { result } = setup({ pg_isready: 'exit 0' }, { SCHEMA_ROOT: '/nonexistent/v12' });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('schema folder temporal/versioned not found under SCHEMA_ROOT=/nonexistent/v12');
  });
});

describe('Dockerfile and .dockerignore', () => {
  const dockerfile = readFileSync(path.join(repo, 'Dockerfile'), 'utf8');
  const instructions = dockerfile.split('\n').filter((l) => /^[A-Z]+\s/.test(l));

  it('builds in one stage and runs production dependencies as the node user in another', () => {
    expect(instructions.filter((l) => l.startsWith('FROM '))).toHaveLength(2);
    expect(dockerfile).toMatch(/RUN npm ci\b/);
    expect(dockerfile).toMatch(/RUN npm run build\b/);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
    expect(instructions).toContain('ENV NODE_ENV=production');
    expect(instructions).toContain('USER node');
    expect(instructions).toContain('ENTRYPOINT ["node", "bin/modelarts-export.js"]');
    expect(instructions[instructions.length - 1]).toBe('CMD ["worker"]');
  });

  it('keeps dependencies, build output, local state and secrets out of the build context', () => {
    const ignored = readFileSync(path.join(repo, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git', '.tools', '.data', '.env']));
  });
});
