/**
 * Long-running processes of the native stack: started detached with their output in a log file, so they outlive
 * `modelarts-export stack up`, and stopped later by PID (from this process or from `stack down`).
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync, fchmodSync, readFileSync } from 'node:fs';
import { sleep } from '../local/time.js';

export { sleep };

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  logFile: string;
}

export function startDetached(spec: ProcessSpec): number {
  // Private to the stack's user (0600), also when an older version left the file with the umask's mode.
  const out = openSync(spec.logFile, 'a', 0o600);
  try {
    fchmodSync(out, 0o600);
    const child = spawn(spec.command, spec.args, {
      env: spec.env,
      cwd: spec.cwd,
      detached: true,
      stdio: ['ignore', out, out],
    });
    if (child.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(out);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM, then SIGKILL once `graceMs` has passed; resolves when the process is gone. */
export async function stopPid(pid: number, graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, signal);
  const deadline = Date.now() + graceMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      graceMs = Infinity;
    }
    await sleep(50);
  }
}

/** Resolves once `ready()` is true; fails with the tail of the log when the process dies or time runs out. */
export async function waitUntil(
  what: string,
  pid: number,
  logFile: string,
  ready: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const tail = () => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '';
    }
  };
  for (;;) {
    if (await ready().catch(() => false)) return;
    if (!isAlive(pid)) throw new Error(`${what} exited; the end of ${logFile}:\n${tail()}`);
    if (Date.now() > deadline)
      throw new Error(`${what} not ready after ${timeoutMs} ms; the end of ${logFile}:\n${tail()}`);
    await sleep(200);
  }
}
