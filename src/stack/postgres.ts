/**
 * A private PostgreSQL cluster on loopback from Debian's packages, standing in for compose's `postgresql` service.
 * initdb and the postmaster refuse to run as root, so when we are root they run as the `postgres` user.
 *
 * Safe on a shared host: the cluster folder (which holds the socket) is 0700 and the socket 0700, so only the
 * cluster's own OS user reaches it, and that user alone may log in over it, as superuser `postgres` (peer auth
 * with an ident map; no `trust` anywhere). Everyone else, Temporal included, logs in over TCP on 127.0.0.1 with
 * SCRAM, and the only such role is Temporal's, with a random password (src/stack/role-password.ts) and no
 * superuser rights.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ToolMissingError } from './binaries.js';
import { asRoot, clusterOwner } from './cluster-dir.js';
import { scramVerifier } from './role-password.js';

const run = promisify(execFile);

export interface PostgresOptions {
  /** Where the cluster lives (data, log and socket): a folder from `claimClusterDir`. */
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

/** Runs a PostgreSQL program, as the `postgres` user when we are root. */
async function pg(bin: string, program: string, args: string[], input?: string, maxBuffer = 8 << 20): Promise<string> {
  const file = path.join(bin, program);
  const [cmd, argv] = asRoot() ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  const child = run(cmd, argv, { maxBuffer });
  if (input !== undefined) child.child.stdin?.end(input);
  const { stdout } = await child;
  return stdout;
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;
const quoteLiteral = (s: string) => `'${s.replace(/'/g, "''")}'`;

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

  /**
   * Creates the cluster on first use, (re)writes its authentication rules, starts it and gives Temporal's role the
   * password in `options` (so a cluster of an older version, made with `trust` and a shared default password, is
   * brought to these rules too).
   */
  static async open(options: PostgresOptions): Promise<PostgresCluster> {
    const bin = pgBinDir();
    const cluster = new PostgresCluster(bin, options.dir, options.port);
    if (!existsSync(path.join(cluster.dataDir, 'PG_VERSION'))) {
      // The rules initdb writes are replaced below; `reject` keeps the cluster closed until then.
      await pg(bin, 'initdb', [
        '-D',
        cluster.dataDir,
        '-U',
        'postgres',
        '--auth=reject',
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
      ]);
    }
    const wasRunning = await cluster.running();
    await cluster.writeAuthRules();
    if (wasRunning) await pg(bin, 'pg_ctl', ['-D', cluster.dataDir, 'reload']);
    await cluster.start();
    await cluster.ensureRole(options.user, options.password);
    return cluster;
  }

  /** pg_hba.conf and pg_ident.conf: the socket for the cluster's OS user as `postgres`, TCP with SCRAM for roles. */
  private async writeAuthRules(): Promise<void> {
    const owner = await clusterOwner();
    const header = '# Written by `modelarts-export stack` (src/stack/postgres.ts) at every `stack up`.\n';
    const files = {
      'pg_hba.conf':
        `${header}local all postgres peer map=owner\n` +
        'host all all 127.0.0.1/32 scram-sha-256\n' +
        'host all all ::1/128 scram-sha-256\n',
      'pg_ident.conf': `${header}owner ${owner.name} postgres\n`,
    };
    for (const [name, text] of Object.entries(files)) {
      const file = path.join(this.dataDir, name);
      await writeFile(file, text, { mode: 0o600 });
      if (asRoot()) await chown(file, owner.uid, owner.gid);
    }
  }

  /**
   * Temporal's role: CREATEDB is all the schema job needs (compose's image makes POSTGRES_USER a superuser; we need
   * not). Through psql's stdin and as a SCRAM verifier, so the password is in no process list and no log.
   */
  private async ensureRole(user: string, password: string): Promise<void> {
    if (!user) throw new Error('POSTGRES_USER is empty: the stack needs a role name for Temporal');
    if (user === 'postgres') throw new Error("POSTGRES_USER must not be postgres, the cluster's superuser");
    await this.psql(
      `SELECT format('CREATE ROLE %I', ${quoteLiteral(user)}) ` +
        `WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${quoteLiteral(user)}) \\gexec\n` +
        `ALTER ROLE ${quoteIdent(user)} LOGIN CREATEDB NOSUPERUSER PASSWORD ${quoteLiteral(scramVerifier(password))};\n`,
    );
  }

  private serverOptions(): string {
    return `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c unix_socket_permissions=0700`;
  }

  private psql(sql: string): Promise<string> {
    const args = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', this.dir, '-p', String(this.port)];
    args.push('-U', 'postgres', '-d', 'postgres');
    return pg(this.bin, 'psql', args, sql);
  }

  /** A database's rows as pg_dump writes them (plain SQL, data only; bytea in hex): what a backup holds. */
  dump(database: string): Promise<string> {
    return pg(
      this.bin,
      'pg_dump',
      ['-h', this.dir, '-p', String(this.port), '--data-only', database],
      undefined,
      1 << 30,
    );
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
