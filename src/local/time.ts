/** Waiting helpers shared by `dev`, the tests, the bench and the chaos runner. */

export class AbortedError extends Error {
  constructor(message = 'aborted') {
    super(message);
    this.name = 'AbortedError';
  }
}

/** Resolves after `ms`; rejects with AbortedError as soon as `signal` aborts, so a stopped run does not linger. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Rejects after `ms` (the promise itself keeps running; callers stop it through their own signal). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result after ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface PollOptions {
  timeoutMs: number;
  /** Default 500 ms. */
  intervalMs?: number;
  /** Named in the error when time runs out. */
  what?: string;
  signal?: AbortSignal;
}

/** Calls `fn` until it returns something other than undefined or false, and returns that; throws after `timeoutMs`. */
export async function pollUntil<T>(
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  options: PollOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`${options.what ?? 'condition'}: not reached within ${Math.round(options.timeoutMs / 1000)} s`);
    await sleep(options.intervalMs ?? 500, options.signal);
  }
}
