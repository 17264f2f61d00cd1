/**
 * Keys from a file (`MODELARTS_SEALED_KEYS_FILE`), re-read when the file changes, so a running worker, codec server
 * or long-lived CLI process takes a new current key without a restart (key rotation with waits in flight).
 *
 * Every use of the keys re-stats the file at most once per `intervalMs` (1 s); a changed file (inode, size, mtime or
 * ctime: an in-place write, an atomic rename, a Kubernetes secret's symlink swap) is read and validated like at start,
 * then swapped in whole, so a caller sees either the old keys or the new ones, never a mix. A bad new file
 * (unreadable, readable by others, not JSON, "current" naming no key, ...) is logged once with the file and the
 * reason, and the last good keys stay in use: a typo in the keys file never stops a worker. A key id asked for and
 * not held re-checks the file at once, so a worker that meets a payload another worker already wrote under the new
 * key does not fail its task just because its own second has not passed yet.
 */
import { statSync } from 'node:fs';
import type { HeldKeySource, SealedKey, StaticKeySource } from './key-source.js';

/** Where the file's news goes; the worker points it at its logger, other processes write to stderr. */
export interface KeyFileLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface KeyFileOptions {
  /** At most one stat per this many ms (default 1000). */
  intervalMs?: number;
  log?: KeyFileLog;
  /** The clock (tests). */
  now?: () => number;
}

/** Reads and validates the file's keys; problems name the variable, tenant and key id, never a key. */
export type ReadKeys = (problems: string[]) => StaticKeySource | undefined;

const stderrLog: KeyFileLog = {
  info: (message) => process.stderr.write(`${message}\n`),
  warn: (message) => process.stderr.write(`${message}\n`),
};

/** What identifies one version of the file without reading it. */
function signature(file: string): string {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.mode}`;
  } catch (err) {
    return `error:${(err as NodeJS.ErrnoException).code ?? 'unknown'}`;
  }
}

/** Each tenant's current key id and key count, for the reload's log line (ids only). */
function currentIds(keys: StaticKeySource): string {
  return keys
    .tenantNames()
    .map((t) => `${t}: current ${keys.currentId(t)} of ${keys.allKeys(t).length}`)
    .join(', ');
}

export class KeyFileSource implements HeldKeySource {
  private keys: StaticKeySource;
  private seen: string;
  private checkedAt: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  /** Settable after start: the worker hands over its logger once it has one. */
  log: KeyFileLog;
  /** How many times new keys were taken from the file (tests, figures). */
  reloads = 0;

  constructor(
    readonly file: string,
    initial: StaticKeySource,
    private readonly read: ReadKeys,
    options: KeyFileOptions = {},
  ) {
    this.keys = initial;
    this.intervalMs = options.intervalMs ?? 1000;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? stderrLog;
    this.seen = signature(file);
    this.checkedAt = this.now();
  }

  /** The keys now in use (after a re-check if one is due). */
  private fresh(force = false): StaticKeySource {
    const now = this.now();
    if (!force && now - this.checkedAt < this.intervalMs) return this.keys;
    this.checkedAt = now;
    const seen = signature(this.file);
    if (seen === this.seen) return this.keys;
    // Remembered before reading: a bad version is logged once, not every second.
    this.seen = seen;
    const problems: string[] = [];
    let next: StaticKeySource | undefined;
    try {
      next = this.read(problems);
    } catch (err) {
      problems.push((err as Error).message);
    }
    if (problems.length > 0 || !next) {
      this.log.warn(
        `sealed keys file ${this.file} changed but was not taken: ${problems.join('; ') || 'no keys in it'}; ` +
          'the last good keys stay in use',
      );
      return this.keys;
    }
    this.keys = next;
    this.reloads++;
    this.log.info(`sealed keys reloaded from ${this.file} (${currentIds(next)})`);
    return next;
  }

  /** The tenants that have keys here. */
  tenantNames(): string[] {
    return this.fresh().tenantNames();
  }

  allKeys(tenant?: string): SealedKey[] {
    return this.fresh().allKeys(tenant);
  }

  current(tenant: string): Promise<SealedKey | undefined> {
    return this.fresh().current(tenant);
  }

  async byId(tenant: string, id: string): Promise<SealedKey | undefined> {
    return (await this.fresh().byId(tenant, id)) ?? this.fresh(true).byId(tenant, id);
  }
}
