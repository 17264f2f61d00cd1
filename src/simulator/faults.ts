/**
 * Fault injection for ModelArts routes: throttling (429 ModelArts.4206 / APIG.0308), server errors (500
 * ModelArts.0010 / 503 ModelArts.4700), dropped connections, slow answers, and a per-project requests-per-minute
 * limit. Coin flips come from a seeded stream, so a given seed and request sequence always fault the same way.
 */
import type { AnswerFault } from './answer-faults.js';
import type { CounterBook } from './counters.js';
import { ApiError, Errors } from './errors.js';
import { mulberry32, type Random } from './ids.js';
import type { FaultConfig } from './types.js';

export interface FaultPlan {
  /** Wait this long before handling. */
  delayMs: number;
  /** Answer with this instead of handling. */
  error?: ApiError;
  /** Destroy the socket: before handling, or after handling instead of answering. */
  drop?: 'before' | 'after';
  /** Change the answer (src/simulator/answer-faults.ts). */
  answer?: AnswerFault;
}

const WINDOW_MS = 60_000;

export class Faults {
  private config: FaultConfig;
  private readonly random: Random;
  /** Accepted request times per project, for the rpm limit. */
  private readonly windows = new Map<string, number[]>();

  constructor(
    config: FaultConfig,
    seed: number,
    private readonly counters: CounterBook,
    private readonly now: () => number,
  ) {
    this.config = { ...config };
    this.random = mulberry32(seed ^ 0x85ebca6b);
  }

  set(config: FaultConfig): void {
    this.config = { ...config };
  }

  get(): FaultConfig {
    return { ...this.config };
  }

  private roll(rate: number | undefined): boolean {
    return rate !== undefined && rate > 0 && this.random() < rate;
  }

  /** The answer fault for this request, if any is configured (rolled only when a rate below 1 is set). */
  private answerFault(): AnswerFault | undefined {
    const c = this.config;
    const fault: AnswerFault = {
      ...(c.answerFields !== undefined && { fields: c.answerFields }),
      ...(c.answerBody !== undefined && { body: c.answerBody }),
      ...(c.hugeAnswerBytes !== undefined && { hugeBytes: c.hugeAnswerBytes }),
      ...(c.errorMsgBytes !== undefined && { errorMsgBytes: c.errorMsgBytes }),
    };
    if (Object.keys(fault).length === 0) return undefined;
    const rate = c.answerFaultRate ?? 1;
    if (rate < 1 && !this.roll(rate)) return undefined;
    return fault;
  }

  /** Decides what happens to one ModelArts request. `isStatusRead`: a GET of one task or version. */
  plan(projectId: string, path: string, isStatusRead: boolean): FaultPlan {
    const c = this.config;
    const plan: FaultPlan = { delayMs: 0 };
    if (c.onlyPaths === 'status' && !isStatusRead) return plan;
    plan.answer = this.answerFault();

    if (c.rpmLimit !== undefined) {
      const now = this.now();
      const window = (this.windows.get(projectId) ?? []).filter((t) => t > now - WINDOW_MS);
      this.windows.set(projectId, window);
      if (window.length >= c.rpmLimit) {
        this.counters.faults.rpmLimited++;
        const retryAfter = c.retryAfterSeconds ?? Math.max(1, Math.ceil((window[0]! + WINDOW_MS - now) / 1000));
        plan.error = Errors.tooManyRequests(path, retryAfter);
        return plan;
      }
      window.push(now);
    }
    if (this.roll(c.slowRate)) {
      this.counters.faults.slowed++;
      plan.delayMs = c.slowMs ?? 2_000;
    }
    if (this.roll(c.throttleRate)) {
      this.counters.faults.throttled++;
      plan.error =
        c.throttleCode === 'APIG.0308'
          ? Errors.gatewayThrottled(c.rpmLimit ?? 5, c.retryAfterSeconds)
          : Errors.tooManyRequests(path, c.retryAfterSeconds);
      return plan;
    }
    if (this.roll(c.serverErrorRate)) {
      this.counters.faults.serverErrors++;
      plan.error = this.random() < 0.5 ? Errors.internal() : Errors.unavailable();
      return plan;
    }
    if (this.roll(c.dropRate)) {
      this.counters.faults.dropped++;
      plan.drop = c.dropPhase ?? 'after';
    }
    return plan;
  }
}
