/**
 * A private PostgreSQL cluster on loopback from Debian's packages, standing in for compose's `postgresql` service.
 * initdb and the postmaster refuse to run as root, so when we are root they run as the `postgres` user.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ToolMissingError } from './binaries.js';

const run = promisify(execFile);

export interface PostgresOptions {
  /** Where the cluster lives (data, log and socket). */
  dir: string;
  port: number;
  /** The role Temporal uses (compose: POSTGRES_USER / POSTGRES_PASSWORD). */
  user: string;
  password: string;
}

function pgBinDir(): string {
  const versions = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))
    : [];
  for (const version of versions) {
    const dir = path.join('/usr/lib/postgresql', version, 'bin');
    if (existsSync(path.join(dir, 'initdb'))) return dir;
  }
  throw new ToolMissingError('PostgreSQL server binaries not found: apt-get install postgresql');
}

const asRoot = () => process.getuid?.() === 0;

/** Runs a PostgreSQL program, as the `postgres` user when we are root. */
async function pg(bin: string, program: string, args: string[], input?: string): Promise<string> {
  const file = path.join(bin, program);
  const [cmd, argv] = asRoot() ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  const child = run(cmd, argv, { maxBuffer: 8 * 1024 * 1024 });
  if (input !== undefined) child.child.stdin?.end(input);
  const { stdout } = await child;
  return stdout;
}

async function postgresIds(): Promise<[number, number]> {
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return [Number(uid), Number(gid)];
}

/** Creates `dir` for the cluster; false when the `postgres` user cannot reach it (a clone under a private home). */
async function prepareDir(dir: string): Promise<boolean> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  if (!asRoot()) return true;
  const [uid, gid] = await postgresIds();
  await chown(dir, uid, gid);
  return run('runuser', ['-u', 'postgres', '--', 'test', '-w', dir]).then(
    () => true,
    () => false,
  );
}

/** `wanted`, or a folder under the system temp dir when `postgres` cannot use it or the socket path is too long. */
async function clusterDir(wanted: string): Promise<string> {
  if (path.join(wanted, '.s.PGSQL.65535').length <= 107 && (await prepareDir(wanted))) return wanted;
  const hash = createHash('sha256').update(wanted).digest('hex').slice(0, 12);
  const fallback = path.join(tmpdir(), `modelarts-pg-${hash}`);
  if (!(await prepareDir(fallback))) throw new Error(`the postgres user cannot write ${wanted} or ${fallback}`);
  return fallback;
}

export class PostgresCluster {
  private constructor(
    private readonly bin: string,
    readonly dir: string,
    readonly port: number,
  ) {}

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  get logFile(): string {
    return path.join(this.dir, 'postgresql.log');
  }

  /** The cluster a stack recorded (for `stack status` and `stack down`): never creates one. */
  static attach(dir: string, port: number): PostgresCluster {
    return new PostgresCluster(pgBinDir(), dir, port);
  }

  /** Creates the cluster on first use; `start()` it afterwards. */
  static async open(options: PostgresOptions): Promise<PostgresCluster> {
    const bin = pgBinDir();
    const dir = await clusterDir(options.dir);
    const cluster = new PostgresCluster(bin, dir, options.port);
    if (!existsSync(path.join(cluster.dataDir, 'PG_VERSION'))) {
      await pg(bin, 'initdb', [
        '-D',
        cluster.dataDir,
        '-U',
        'postgres',
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
      ]);
      await cluster.start();
      // CREATEDB is all the schema job needs (compose's image makes POSTGRES_USER a superuser; we need not).
      // Through stdin, so the password is in no process list.
      const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
      await cluster.psql(`CREATE ROLE "${options.user}" LOGIN CREATEDB PASSWORD ${literal(options.password)};`);
    }
    return cluster;
  }

  private serverOptions(): string {
    return `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`;
  }

  private psql(sql: string): Promise<string> {
    const args = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', this.dir, '-p', String(this.port), '-U', 'postgres'];
    return pg(this.bin, 'psql', args, sql);
  }

  async running(): Promise<boolean> {
    if (!existsSync(path.join(this.dataDir, 'PG_VERSION'))) return false;
    return pg(this.bin, 'pg_ctl', ['-D', this.dataDir, 'status']).then(
      () => true,
      () => false,
    );
  }

  async start(): Promise<void> {
    if (await this.running()) return;
    await pg(this.bin, 'pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-o', this.serverOptions(), '-w', 'start']);
  }

  /** `pg_ctl restart -m fast`: open connections are cut, as in a crash-restart of the database host. */
  async restart(): Promise<void> {
    await pg(this.bin, 'pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      this.logFile,
      '-o',
      this.serverOptions(),
      '-m',
      'fast',
      '-w',
      'restart',
    ]);
  }

  async stop(): Promise<void> {
    if (!(await this.running())) return;
    await pg(this.bin, 'pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
  }
}
