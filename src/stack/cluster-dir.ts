/**
 * Where the stack's PostgreSQL cluster lives, and proof that the stack made it. The cluster goes to
 * `<stack>/postgresql` when the cluster's OS user can use that path, else to a fresh `mkdtemp` folder under the
 * system temp dir (never a predictable name another user could create first). Either way the folder is owned by
 * the cluster's user, mode 0700, and holds a marker file with a random id that stack.json records: `stack up`
 * reuses, and `stack down` stops and deletes, only a folder that still shows all of that.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, lstat, mkdir, mkdtemp, readFile, realpath, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const asRoot = (): boolean => process.getuid?.() === 0;

/** The folder of a cluster and the random id of the marker the stack wrote into it (both in stack.json). */
export interface ClusterHome {
  dir: string;
  marker: string;
}

export const MARKER_FILE = '.modelarts-stack-cluster';

export interface ClusterOwner {
  uid: number;
  gid: number;
  /** The OS user PostgreSQL runs as: `postgres` when we are root (initdb refuses root), else ourselves. */
  name: string;
}

let owner: Promise<ClusterOwner> | undefined;

export function clusterOwner(): Promise<ClusterOwner> {
  owner ??= (async () => {
    if (!asRoot()) {
      const { stdout } = await run('id', ['-un']);
      return { uid: process.getuid!(), gid: process.getgid!(), name: stdout.trim() };
    }
    const { stdout: uid } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    return { uid: Number(uid), gid: Number(gid), name: 'postgres' };
  })();
  return owner;
}

/** Why `home` is not a cluster folder this stack made, or undefined when it is. */
export async function clusterDirProblem(home: ClusterHome): Promise<string | undefined> {
  const { dir, marker } = home;
  if (!marker) return 'stack.json records no marker for it (not made by this version of the stack)';
  if (!path.isAbsolute(dir)) return 'its path is not absolute';
  const stat = await lstat(dir).catch(() => undefined);
  if (!stat) return 'it does not exist';
  if (stat.isSymbolicLink()) return 'it is a symbolic link';
  if (!stat.isDirectory()) return 'it is not a directory';
  // A symlink higher up would make the checks below look at another folder than the one removed later.
  if ((await realpath(dir)) !== dir) return 'its path goes through a symbolic link';
  const { uid, name } = await clusterOwner();
  if (stat.uid !== uid) return `it is owned by uid ${stat.uid}, not by ${name}`;
  if ((stat.mode & 0o777) !== 0o700) return `its mode is ${(stat.mode & 0o777).toString(8)}, not 700`;
  const file = path.join(dir, MARKER_FILE);
  const fileStat = await lstat(file).catch(() => undefined);
  if (!fileStat?.isFile()) return `it has no marker file ${MARKER_FILE}`;
  if (fileStat.uid !== process.getuid?.() && fileStat.uid !== uid) return 'its marker file has a foreign owner';
  if ((await readFile(file, 'utf8')).trim() !== marker) return 'its marker is not the one stack.json records';
  return undefined;
}

/** Gives `dir` to the cluster's user, mode 0700; then whether that user can use it (a clone in root's home: no). */
async function giveToCluster(dir: string): Promise<boolean> {
  const { uid, gid } = await clusterOwner();
  if (asRoot()) await chown(dir, uid, gid);
  await chmod(dir, 0o700);
  if (!asRoot()) return true;
  return run('runuser', ['-u', 'postgres', '--', 'test', '-w', dir, '-a', '-x', dir]).then(
    () => true,
    () => false,
  );
}

/** Writes the marker with a new random id into `dir`. */
async function mark(dir: string): Promise<ClusterHome> {
  const marker = randomBytes(16).toString('hex');
  await writeFile(path.join(dir, MARKER_FILE), `${marker}\n`, { mode: 0o600 });
  return { dir: await realpath(dir), marker };
}

/**
 * The cluster folder for a stack: the one stack.json recorded (only when it still proves to be ours; an error
 * otherwise), else `wanted` (inside the stack's private folder), else a new `mkdtemp` folder.
 */
export async function claimClusterDir(wanted: string, recorded?: ClusterHome): Promise<ClusterHome> {
  // An older version's stack.json has no marker; its folder inside the stack's own folder is ours (adopted below).
  if (recorded && !(!recorded.marker && recorded.dir === wanted)) {
    const problem = await clusterDirProblem(recorded);
    if (!problem) return recorded;
    // A recorded folder that is gone (e.g. /tmp cleared at boot) is replaced; one that is there but not provably
    // ours is left alone: using it would hand our database to whoever prepared it.
    if (await lstat(recorded.dir).catch(() => undefined)) {
      throw new Error(
        `stack.json names ${recorded.dir} as the PostgreSQL folder, but ${problem}: refusing to use it. ` +
          `If it is yours, stop it (pg_ctl -D ${path.join(recorded.dir, 'data')} stop) and delete it and stack.json.`,
      );
    }
  }
  // 107 bytes is the limit of a Unix socket path (sun_path).
  if (path.join(wanted, '.s.PGSQL.65535').length <= 107) {
    const existing = await lstat(wanted).catch(() => undefined);
    if (existing && !existing.isDirectory()) {
      throw new Error(`${wanted} exists and is not a directory (a symbolic link?): refusing to use it`);
    }
    // `wanted` sits in the stack's own folder (private to us), so an existing one is ours from an earlier run.
    if (!existing) await mkdir(wanted, { mode: 0o700 });
    if (await giveToCluster(wanted)) return mark(wanted);
    if (!existing) await rmdir(wanted);
  }
  const fallback = await mkdtemp(path.join(tmpdir(), 'modelarts-pg-'));
  if (!(await giveToCluster(fallback))) {
    await rmdir(fallback);
    throw new Error(
      `the postgres user can use neither ${wanted} nor ${fallback}: check the permissions of ${tmpdir()}`,
    );
  }
  return mark(fallback);
}
