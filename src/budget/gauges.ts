/**
 * The budget in force as worker metrics, next to the SDK's own (`temporal_activity_schedule_to_start_latency` on
 * the budgeted queues shows the budget queueing work): every 30 s the worker reads each class's limit from the
 * server and publishes `modelarts_budget_rps{class}`, `modelarts_budget_paused{class}` and
 * `modelarts_budget_backlog{class}`. A failed read is skipped (the next one tries again).
 */
import { Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import { describeBudget, type BudgetTarget } from '../client/budget.js';

const EVERY_MS = 30_000;

export function publishBudgetGauges(target: BudgetTarget, logger: Logger): () => void {
  const meter = Runtime.instance().metricMeter;
  const rps = meter.createGauge('modelarts_budget_rps', 'float', 'requests/s', 'ModelArts request budget in force');
  const paused = meter.createGauge('modelarts_budget_paused', 'int', '', '1 while the kill switch is on');
  const backlog = meter.createGauge('modelarts_budget_backlog', 'int', 'tasks', 'ModelArts calls waiting for budget');
  const publish = async () => {
    try {
      for (const b of await describeBudget(target)) {
        const tags = { class: b.budgetClass };
        if (b.effectiveRps !== undefined) rps.set(b.effectiveRps, tags);
        paused.set(b.paused ? 1 : 0, tags);
        if (b.backlog !== undefined) backlog.set(b.backlog, tags);
      }
    } catch (err) {
      logger.debug({ error: (err as Error).message }, 'could not read the request budget for metrics');
    }
  };
  const timer = setInterval(() => void publish(), EVERY_MS);
  timer.unref();
  void publish();
  return () => clearInterval(timer);
}

/**
 * `modelarts_worker_start_time_seconds`: when this worker process started (Unix seconds), set once. A worker in a
 * restart loop shows as this value changing on the same scrape target (the WorkerRestartLoop alert), which a
 * counter cannot show: each new process starts its counters at 0 again.
 */
export function publishWorkerStartTime(startedAtMs = Date.now()): void {
  Runtime.instance()
    .metricMeter.createGauge('modelarts_worker_start_time_seconds', 'float', 's', 'Start time of this worker process')
    .set(startedAtMs / 1000);
}
