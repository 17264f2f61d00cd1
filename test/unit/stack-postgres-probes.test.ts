/**
 * The native stack's PostgreSQL on a shared host (review findings 2, 3 and 15): a cluster started the way
 * `stack up` starts it (`startStackDatabase`: private folders, random role password, claimed cluster folder),
 * once in the stack's folder and once in the `mkdtemp` fallback (a clone in root's 0700 home), then the review's
 * probes run as `nobody`, each of which must fail. Also: a fallback folder another user prepared is never adopted,
 * and `stack down` deletes only a folder it can prove it made. Needs root (CI runs `npm test` as root): the probes
 * switch to `nobody` and `postgres` with runuser. PostgreSQL comes from `pretest` (ensure-test-tools postgresql).
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { claimClusterDir, MARKER_FILE } from '../../src/stack/cluster-dir.js';
import { PostgresCluster } from '../../src/stack/postgres.js';
import { PASSWORD_FILE, startStackDatabase, stopStack, stackPorts } from '../../src/stack/stack.js';

if (process.getuid?.() !== 0) {
  throw new Error('stack-postgres-probes needs root: it runs its probes as nobody and postgres through runuser');
}

const id = (user: string) => Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout);
const NOBODY = id('nobody');
const POSTGRES = id('postgres');
const mode = (file: string) => lstatSync(file).mode & 0o777;

/** Runs a command as `user` (no shell), from `/` so no private working folder is in the way. */
function as(user: string, argv: string[], env: Record<string, string> = {}) {
  const result = spawnSync(
    'runuser',
    ['-u', user, '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv],
    {
      cwd: '/',
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  return { status: result.status, out: `${result.stdout}${result.stderr}`.trim() };
}

function psql(user: string, host: string, port: number, role: string, sql: string, password?: string) {
  const argv = ['psql', '-X', '-w', '-At', '-h', host, '-p', String(port), '-U', role, '-d', 'postgres', '-c', sql];
  return as(user, argv, password === undefined ? {} : { PGPASSWORD: password });
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port whose PostgreSQL port (base + 32) is free; random, so runs in parallel do not meet. */
async function freeBasePort(): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 10_000);
    if (await portFree(stackPorts(base).postgres)) return base;
  }
}

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ['in the stack folder', false],
  ["in the mkdtemp fallback (the postgres user cannot reach the stack's folder)", true],
])('the stack PostgreSQL %s, probed by another local user', (_name, fallback) => {
  let stackDir: string;
  let clusterDir: string;
  let port: number;
  let password: string;

  beforeAll(async () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'stack-probes-'));
    scratch.push(parent);
    // mkdtemp's 0700 parent keeps the postgres user out, like root's home; 0755 lets it through to the stack folder.
    chmodSync(parent, fallback ? 0o700 : 0o755);
    stackDir = path.join(parent, 'stack');
    const db = await startStackDatabase({ dir: stackDir, basePort: await freeBasePort() });
    clusterDir = db.postgres.dir;
    port = db.postgres.port;
    password = db.rolePassword;
    if (!clusterDir.startsWith(stackDir)) scratch.push(clusterDir);
  }, 60_000);

  afterAll(async () => {
    if (existsSync(path.join(clusterDir ?? '/nonexistent', 'data')))
      await PostgresCluster.attach(clusterDir, port).stop();
  });

  it('lives where expected: in the stack folder, or in a fresh modelarts-pg-* folder under the temp dir', () => {
    if (fallback) {
      expect(path.dirname(clusterDir)).toBe(tmpdir());
      expect(path.basename(clusterDir)).toMatch(/^modelarts-pg-\w{6}$/);
    } else {
      expect(clusterDir).toBe(path.join(stackDir, 'postgresql'));
    }
    const state = JSON.parse(readFileSync(path.join(stackDir, 'stack.json'), 'utf8')) as Record<string, unknown>;
    expect(state.postgresDir).toBe(clusterDir);
    expect(readFileSync(path.join(clusterDir, MARKER_FILE), 'utf8').trim()).toBe(state.postgresMarker);
  });

  it('works for its owners: the Temporal role over TCP with its password, postgres over the socket', () => {
    expect(psql('nobody', '127.0.0.1', port, 'temporal', 'select current_user', password)).toEqual({
      status: 0,
      out: 'temporal',
    });
    expect(psql('postgres', clusterDir, port, 'postgres', 'select current_user')).toEqual({
      status: 0,
      out: 'postgres',
    });
  });

  it('probe 1 fails: another user cannot reach the socket as superuser postgres', () => {
    const probe = psql('nobody', clusterDir, port, 'postgres', 'select current_user, usesuper from pg_user');
    expect(probe.status).not.toBe(0);
    expect(probe.out).not.toContain('postgres|t');
    expect(probe.out).toMatch(/Permission denied/i);
  });

  it('probe 2 fails: another user cannot run COPY ... TO PROGRAM, over the socket or TCP', () => {
    const proof = path.join(tmpdir(), `copy-probe-${randomBytes(6).toString('hex')}`);
    const copy = `COPY (select 1) TO PROGRAM 'id > ${proof}'`;
    const probes = {
      socketAsPostgres: psql('nobody', clusterDir, port, 'postgres', copy),
      tcpAsPostgres: psql('nobody', '127.0.0.1', port, 'postgres', copy, 'postgres'),
      tcpAsPostgresNoPassword: psql('nobody', '127.0.0.1', port, 'postgres', copy, ''),
      // Even with Temporal's password (say it leaked), its role has no superuser rights.
      tcpAsTemporalWithItsPassword: psql('nobody', '127.0.0.1', port, 'temporal', copy, password),
    };
    for (const [name, probe] of Object.entries(probes)) {
      expect({ name, failed: probe.status !== 0 }).toEqual({ name, failed: true });
    }
    expect(probes.tcpAsTemporalWithItsPassword.out).toMatch(/permission denied|must be superuser/i);
    expect(existsSync(proof)).toBe(false);
  });

  it('probe 3 fails: TCP login as temporal with the old default password temporal', () => {
    const probe = psql('nobody', '127.0.0.1', port, 'temporal', 'select current_user', 'temporal');
    expect(probe.status).not.toBe(0);
    expect(probe.out).toMatch(/password authentication failed/);
  });

  it('keeps its folder, socket, password, state and logs private', () => {
    expect({ owner: lstatSync(clusterDir).uid, mode: mode(clusterDir) }).toEqual({ owner: POSTGRES, mode: 0o700 });
    expect(mode(path.join(clusterDir, `.s.PGSQL.${port}`))).toBe(0o700);
    const hba = readFileSync(path.join(clusterDir, 'data', 'pg_hba.conf'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.trimStart().startsWith('#'));
    expect(hba.join('\n')).not.toMatch(/\btrust\b/);
    expect(hba.every((l) => /\b(peer map=owner|scram-sha-256)$/.test(l))).toBe(true);
    for (const file of [PASSWORD_FILE, 'stack.json'])
      expect({ file, owner: lstatSync(path.join(stackDir, file)).uid, mode: mode(path.join(stackDir, file)) }).toEqual({
        file,
        owner: 0,
        mode: 0o600,
      });
    expect(mode(path.join(stackDir, 'logs'))).toBe(0o700);
    // The postgres group may only pass through the stack folder to its cluster; nobody else gets anything.
    expect(mode(stackDir)).toBe(0o710);
    expect(lstatSync(stackDir).gid).toBe(lstatSync(clusterDir).gid);
    expect(as('nobody', ['cat', path.join(stackDir, PASSWORD_FILE)]).status).not.toBe(0);
    expect(password).toMatch(/^[\w-]{43}$/);
  });

  it('reuses the role password and the cluster on the next `stack up`', async () => {
    const again = await startStackDatabase({ dir: stackDir });
    expect({ dir: again.postgres.dir, password: again.rolePassword }).toEqual({ dir: clusterDir, password });
    expect(psql('nobody', '127.0.0.1', port, 'temporal', 'select 1', password)).toEqual({ status: 0, out: '1' });
  });

  it('`stack down` stops the cluster it made and deletes it', async () => {
    await stopStack(stackDir);
    expect(existsSync(clusterDir)).toBe(false);
    expect(existsSync(stackDir)).toBe(false);
    expect(await portFree(port)).toBe(true);
  });
});

describe('a cluster folder the stack did not make', () => {
  /** A folder `nobody` prepared: mode 0777 and a planted file, as in the review's probe. */
  function planted(dir: string): string {
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'planted'), 'x');
    chownSync(dir, NOBODY, NOBODY);
    chmodSync(dir, 0o777);
    return dir;
  }
  const untouched = (dir: string) => ({
    exists: existsSync(path.join(dir, 'planted')),
    owner: lstatSync(dir).uid,
    mode: mode(dir),
    data: existsSync(path.join(dir, 'data')),
  });
  const UNTOUCHED = { exists: true, owner: NOBODY, mode: 0o777, data: false };

  /** A private parent (0700, like root's home), so the postgres user cannot use the stack folder in it. */
  function privateParent(): string {
    const parent = mkdtempSync(path.join(tmpdir(), 'stack-probes-'));
    scratch.push(parent);
    return parent;
  }

  it('is never adopted: the old predictable fallback name pre-created by another user is left alone', async () => {
    const wanted = path.join(privateParent(), 'stack', 'postgresql');
    mkdirSync(path.dirname(wanted));
    // What the old code would have used: tmpdir()/modelarts-pg-<sha256(wanted)[:12]>.
    const legacy = path.join(
      tmpdir(),
      `modelarts-pg-${createHash('sha256').update(wanted).digest('hex').slice(0, 12)}`,
    );
    scratch.push(planted(legacy));
    const home = await claimClusterDir(wanted);
    scratch.push(home.dir);
    expect(home.dir).not.toBe(legacy);
    expect({ owner: lstatSync(home.dir).uid, mode: mode(home.dir) }).toEqual({ owner: POSTGRES, mode: 0o700 });
    expect(untouched(legacy)).toEqual(UNTOUCHED);
  });

  it('is refused when stack.json names it: owned by another user, or not 0700, even with the right marker', async () => {
    const parent = privateParent();
    const stackDir = path.join(parent, 'stack');
    mkdirSync(stackDir, { mode: 0o700 });
    const foreign = planted(path.join(parent, 'foreign'));
    const marker = 'a'.repeat(32);
    writeFileSync(path.join(foreign, MARKER_FILE), marker);
    const loose = path.join(parent, 'loose');
    mkdirSync(loose, { mode: 0o755 });
    chownSync(loose, POSTGRES, POSTGRES);
    chmodSync(loose, 0o755);
    writeFileSync(path.join(loose, MARKER_FILE), marker);
    for (const dir of [foreign, loose]) {
      const state = { basePort: 20_000, namespace: 'default', postgresDir: dir, postgresMarker: marker };
      writeFileSync(path.join(stackDir, 'stack.json'), JSON.stringify({ ...state, pids: { workers: [] } }));
      await expect(startStackDatabase({ dir: stackDir })).rejects.toThrow(/refusing to use it/);
      expect(existsSync(path.join(dir, 'data'))).toBe(false);
    }
    expect(untouched(foreign)).toEqual({ ...UNTOUCHED, exists: true });
  });

  describe('`stack down` refuses to stop or delete it', () => {
    async function downWith(postgresDir: string, postgresMarker?: string) {
      const stackDir = path.join(privateParent(), 'stack');
      mkdirSync(stackDir, { mode: 0o700 });
      const state = { basePort: 20_000, namespace: 'default', postgresDir, postgresMarker, pids: { workers: [] } };
      writeFileSync(path.join(stackDir, 'stack.json'), JSON.stringify(state));
      await expect(stopStack(stackDir)).rejects.toThrow(/refusing to stop or delete/);
      expect(existsSync(path.join(stackDir, 'stack.json'))).toBe(true);
    }

    /** A folder shaped like a cluster of ours (postgres, 0700, marker), without a running server. */
    function lookalike(marker: string): string {
      const dir = path.join(privateParent(), 'cluster');
      mkdirSync(path.join(dir, 'data'), { recursive: true });
      writeFileSync(path.join(dir, MARKER_FILE), marker);
      chownSync(dir, POSTGRES, POSTGRES);
      chmodSync(dir, 0o700);
      return dir;
    }

    it('another user’s folder (the review: stack.json pointing anywhere made `stack down` rm -rf it)', async () => {
      const dir = planted(path.join(privateParent(), 'victim'));
      await downWith(dir, 'b'.repeat(32));
      expect(untouched(dir)).toEqual(UNTOUCHED);
    });

    it('a folder whose marker is missing, or differs from stack.json’s', async () => {
      const dir = lookalike('c'.repeat(32));
      await downWith(dir); // an older stack.json: no marker recorded
      await downWith(dir, 'd'.repeat(32));
      expect(existsSync(path.join(dir, 'data'))).toBe(true);
    });

    it('keeps, without a stack.json, everything but what a failed `stack up` leaves', async () => {
      const stackDir = path.join(privateParent(), 'stack');
      mkdirSync(path.join(stackDir, 'logs'), { recursive: true });
      writeFileSync(path.join(stackDir, PASSWORD_FILE), 'x');
      writeFileSync(path.join(stackDir, 'precious'), 'x');
      await stopStack(stackDir);
      expect(existsSync(path.join(stackDir, 'precious'))).toBe(true);
      expect(existsSync(path.join(stackDir, 'logs'))).toBe(false);
    });

    it('a symbolic link, even to a folder with the right marker', async () => {
      const target = lookalike('e'.repeat(32));
      const link = path.join(privateParent(), 'link');
      symlinkSync(target, link);
      await downWith(link, 'e'.repeat(32));
      expect(existsSync(path.join(target, 'data'))).toBe(true);
    });
  });
});
