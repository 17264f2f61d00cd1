/**
 * Live progress of a run, from the workflows' progress queries. On a terminal: one line, redrawn in place, with a
 * bar. Elsewhere (CI logs, pipes): a plain line each time something changes, so logs stay short and greppable.
 */
import type { Client } from '@temporalio/client';
import { awaitRun, getProgress, type RunOutcome, type RunProgress } from '../client/runs.js';
import type { OutStream } from './context.js';

/** Timers that never keep the process alive on their own. */
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export interface ProgressView {
  update(progress: RunProgress | undefined): void;
  /** Clears the live line (TTY) so the next output starts on a clean line. */
  done(): void;
}

const BAR_WIDTH = 15;

export function bar(percent: number, width = BAR_WIDTH): string {
  const filled = Math.max(0, Math.min(width, Math.round((percent / 100) * width)));
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

function seconds(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * The parts of a progress line: `text` (step, status, %, samples, task) changes only when the run moves; `live`
 * (countdowns) changes every second and is left out of plain lines. `task` is kept apart so a narrow terminal
 * cuts the long task id rather than the numbers.
 */
export function describeProgress(
  p: RunProgress | undefined,
  now = Date.now(),
): { text: string; core: string; task: string; live: string; percent?: number } {
  const only = (text: string) => ({ text, core: text, task: '', live: '' });
  if (!p) return only('waiting for the run to answer (is a worker running on this task queue?)');
  if (p.status !== 'RUNNING') return only(`run ${p.status.toLowerCase()}`);
  const steps = p.pipeline?.steps ?? [];
  const index = p.pipeline?.current ?? p.step?.index;
  const stepNo = index === undefined ? '?' : String(index + 1);
  const kind = p.step?.kind ?? (index !== undefined ? steps[index]?.kind : undefined) ?? '';
  const parts = [`step ${stepNo}/${steps.length || '?'}`, kind].filter(Boolean);
  const s = p.step;
  if (!s) return only(`${parts.join('  ')}  starting`);
  parts.push(s.phase === 'waiting' ? (s.status ?? 'waiting') : s.phase);
  const percent = Math.round(s.progress);
  parts.push(`${percent}%`);
  if (s.totalSampleCount !== undefined) parts.push(`${s.finishedSampleCount ?? 0}/${s.totalSampleCount} samples`);
  const live: string[] = [];
  if (s.nextReadAtMs !== undefined && s.phase === 'waiting') live.push(`next read in ${seconds(s.nextReadAtMs - now)}`);
  if (s.etaAtMs !== undefined && s.etaAtMs > now) live.push(`eta ${seconds(s.etaAtMs - now)}`);
  const core = parts.join('  ');
  const task = s.taskId ? `task ${s.taskId}` : '';
  return { text: [core, task].filter(Boolean).join('  '), core, task, live: live.join('  '), percent };
}

export function createProgressView(stream: OutStream, tty = Boolean(stream.isTTY)): ProgressView {
  let last = '';
  let drawn = false;
  return {
    update(progress) {
      const { text, core, task, live, percent } = describeProgress(progress);
      if (tty) {
        const line = [percent !== undefined ? bar(percent) : '', core, live, task].filter(Boolean).join('  ');
        const width = stream.columns ?? 100;
        stream.write(`\r\x1b[K${line.length >= width ? `${line.slice(0, width - 2)}…` : line}`);
        drawn = true;
      } else if (text !== last) {
        stream.write(`${text}\n`);
      }
      last = text;
    },
    done() {
      if (tty && drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}

/**
 * A progress read that gives up after `timeoutMs` (a run with no worker never answers queries promptly), or when
 * `stop` aborts. Each read has a signal of its own: the Temporal client adds an abort listener per RPC and never
 * removes it, so one signal shared by every read of a long follow would collect tens of thousands.
 */
async function progressWithin(
  client: Client,
  workflowId: string,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<RunProgress | undefined> {
  if (stop.aborted) return undefined;
  const read = new AbortController();
  const abort = () => read.abort();
  stop.addEventListener('abort', abort, { once: true });
  const timer = setTimeout(abort, timeoutMs);
  try {
    return await client.connection.withAbortSignal(read.signal, () => getProgress(client, workflowId));
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', abort);
  }
}

/** Shows progress until the run ends (or `signal` aborts: the caller stopped following), then reports how it ended. */
export async function followRun(
  client: Client,
  workflowId: string,
  view: ProgressView,
  options: { signal?: AbortSignal; intervalMs?: number } = {},
): Promise<RunOutcome> {
  let finished = false;
  const stopped = () => finished || Boolean(options.signal?.aborted);
  // Progress reads still in flight when the run ends are cancelled, not left retrying: the caller may close the
  // connection next, and a retry on a closed channel throws from a timer ("Channel has been shut down").
  const reads = new AbortController();
  const outcome = awaitRun(client, workflowId);
  const settle = () => {
    finished = true;
  };
  outcome.then(settle, settle);
  try {
    while (!stopped()) {
      const progress = await Promise.race([
        progressWithin(client, workflowId, 5000, reads.signal),
        outcome.then(() => 'end' as const),
      ]);
      if (progress === 'end' || stopped()) break;
      view.update(progress);
      await Promise.race([pause(options.intervalMs ?? 1000), outcome.catch(() => undefined)]);
    }
  } finally {
    reads.abort();
    view.done();
  }
  return outcome;
}
