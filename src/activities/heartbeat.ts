/**
 * Every activity heartbeats while it runs, so the server notices a worker that died (or an activity task that
 * was lost on its way) after the short heartbeat timeout instead of the whole start-to-close timeout
 * (src/contract/activity-options.ts). The server's heartbeat timer runs from the attempt's start, so the first beat
 * comes after a second, not at once: most calls end sooner and cost no heartbeat request (and no write of the
 * server's) at all. The SDK batches later beats, so once a second costs nearly nothing.
 */
import { Context } from '@temporalio/activity';

const BEAT_EVERY_MS = 1000;

export function heartbeating<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const context = Context.current();
    const timer = setInterval(() => context.heartbeat(), BEAT_EVERY_MS);
    try {
      return await fn(...args);
    } finally {
      clearInterval(timer);
    }
  };
}
