/**
 * The Temporal server, its SQL tool and the Web UI server, built from the Go module proxy at the versions
 * docker-compose.yml pins, and cached outside the clone (a cold build is about 5.5 minutes on 2 cores, a cached
 * one is instant). `go install` names the binaries `server` and `sql`; they are renamed to the names the images
 * and the deploy scripts use.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface StackBinaries {
  /** Folder with `temporal-server` and `temporal-sql-tool`, to put first on PATH. */
  binDir: string;
  temporalServer: string;
  uiServer: string;
  /** The PostgreSQL schema shipped with this server version (SCHEMA_ROOT of deploy/setup-postgres.sh). */
  schemaRoot: string;
  /** `--root` of the UI server: its `config/` folder holds the image's own config template. */
  uiRoot: string;
}

export class ToolMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolMissingError';
  }
}

type Log = (message: string) => void;

/** MODELARTS_STACK_CACHE, else ~/.cache/modelarts-temporal: survives `git clean` and new clones. */
export function stackCacheDir(env: Record<string, string | undefined> = process.env): string {
  return env.MODELARTS_STACK_CACHE || path.join(homedir(), '.cache', 'modelarts-temporal');
}

// No toolchain downloads (GOTOOLCHAIN=local) and no VCS stamping (the module cache is not a repository).
const goEnv = (gobin: string) => ({ ...process.env, GOBIN: gobin, GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false' });

async function checkGo(what: string): Promise<void> {
  try {
    await run('go', ['version']);
  } catch {
    throw new ToolMissingError(
      `Go 1.26.8 or later is needed to build ${what} for the native stack: install Go, ` +
        'or set MODELARTS_STACK_CACHE to a folder that already holds the built binaries.',
    );
  }
}

async function goInstall(gobin: string, packages: string[], log: Log): Promise<void> {
  await checkGo('temporal-server');
  log(`go install ${packages.join(' ')} (minutes on a cold Go cache: about 5.5 for the server, seconds on a warm one)`);
  await run('go', ['install', ...packages], { env: goEnv(gobin), maxBuffer: 64 * 1024 * 1024 });
}

async function moduleDir(module: string, version: string): Promise<string> {
  const { stdout } = await run('go', ['mod', 'download', '-json', `${module}@${version}`], {
    env: goEnv(''),
    cwd: homedir(),
  });
  return (JSON.parse(stdout) as { Dir: string }).Dir;
}

async function ensureServer(cache: string, version: string, log: Log) {
  const dir = path.join(cache, `temporal-server-v${version}`);
  const binDir = path.join(dir, 'bin');
  const result = {
    binDir,
    temporalServer: path.join(binDir, 'temporal-server'),
    schemaRoot: path.join(dir, 'schema', 'postgresql', 'v12'),
  };
  const done = path.join(dir, '.complete');
  if (existsSync(done)) return result;
  const gobin = path.join(dir, '.gobin');
  await goInstall(
    gobin,
    [`go.temporal.io/server/cmd/server@v${version}`, `go.temporal.io/server/cmd/tools/sql@v${version}`],
    log,
  );
  await mkdir(binDir, { recursive: true });
  await rename(path.join(gobin, 'server'), result.temporalServer);
  await rename(path.join(gobin, 'sql'), path.join(binDir, 'temporal-sql-tool'));
  await rm(gobin, { recursive: true, force: true });
  // The admin-tools image ships the schema at /etc/temporal/schema; natively it comes from the same module.
  const source = await moduleDir('go.temporal.io/server', `v${version}`);
  await cp(path.join(source, 'schema', 'postgresql', 'v12'), result.schemaRoot, { recursive: true });
  await writeFile(done, `${new Date().toISOString()}\n`);
  return result;
}

async function ensureUi(cache: string, version: string, log: Log) {
  const dir = path.join(cache, `temporal-ui-server-v${version}`);
  const result = { uiServer: path.join(dir, 'bin', 'ui-server'), uiRoot: dir };
  const done = path.join(dir, '.complete');
  if (existsSync(done)) return result;
  const gobin = path.join(dir, '.gobin');
  await goInstall(gobin, [`github.com/temporalio/ui-server/v2/cmd/server@v${version}`], log);
  await mkdir(path.dirname(result.uiServer), { recursive: true });
  await rename(path.join(gobin, 'server'), result.uiServer);
  await rm(gobin, { recursive: true, force: true });
  // The image renders config/docker.yaml from its environment; natively the same template is used, and base.yaml
  // (read first) adds the one thing the image leaves out: it binds every interface, we bind loopback only.
  const source = await moduleDir('github.com/temporalio/ui-server/v2', `v${version}`);
  await mkdir(path.join(dir, 'config'), { recursive: true });
  await cp(path.join(source, 'config', 'docker.yaml'), path.join(dir, 'config', 'docker.yaml'));
  await writeFile(path.join(dir, 'config', 'base.yaml'), 'host: 127.0.0.1\n');
  await writeFile(done, `${new Date().toISOString()}\n`);
  return result;
}

/** Jaeger's version: the approved release (newer ones are on the proxy but not approved here). */
export const JAEGER_VERSION = '1.75.0';

/**
 * Jaeger all-in-one (`cmd/jaeger`, "Jaeger backend v2": OTLP receiver, in-memory store, query API and UI), built
 * from the Go module proxy and cached beside the Temporal server. Jaeger's module has replace directives, which
 * `go install pkg@version` refuses, so it is built in a throwaway module that requires it as a tool.
 */
export async function ensureJaeger(log: Log, cache = stackCacheDir(), version = JAEGER_VERSION): Promise<string> {
  const dir = path.join(cache, `jaeger-v${version}`);
  const binary = path.join(dir, 'bin', 'jaeger');
  const done = path.join(dir, '.complete');
  if (existsSync(done)) return binary;
  await checkGo('Jaeger');
  const work = path.join(dir, '.module');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const pkg = 'github.com/jaegertracing/jaeger/cmd/jaeger';
  log(`go build ${pkg}@v${version} (about 5 minutes on a cold Go cache, seconds on a warm one)`);
  const opts = { cwd: work, env: goEnv(''), maxBuffer: 64 * 1024 * 1024 };
  await run('go', ['mod', 'init', 'modelarts-temporal/jaeger-build'], opts);
  await run('go', ['get', '-tool', `${pkg}@v${version}`], opts);
  await mkdir(path.dirname(binary), { recursive: true });
  await run('go', ['build', '-o', binary, pkg], opts);
  await rm(work, { recursive: true, force: true });
  await writeFile(done, `${new Date().toISOString()}\n`);
  return binary;
}

/** Builds what is missing from the cache (both builds share Go's module and build caches). */
export async function ensureStackBinaries(
  versions: { server: string; ui: string },
  log: Log,
  cache = stackCacheDir(),
): Promise<StackBinaries> {
  const server = await ensureServer(cache, versions.server, log);
  const ui = await ensureUi(cache, versions.ui, log);
  return { ...server, ...ui };
}
