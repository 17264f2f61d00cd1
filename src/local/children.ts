/** This process's own child processes, found by PID in /proc (Linux), for last-resort clean-up and measurements. */
import { readdirSync, readFileSync } from 'node:fs';

/** Direct children of this process, including dev servers that startDevServer spawns without exposing them. */
export function childPids(): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  return entries.map(Number).filter((pid) => parentOf(pid) === process.pid);
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which is in parentheses and may contain spaces): state, ppid, ...
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined; // gone meanwhile, or not ours to read
  }
}

/** Last resort on exit: SIGKILL every direct child, by PID. */
export function killChildrenSync(): void {
  for (const pid of childPids()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
