/**
 * Several Workers of one process run and stop as one: the workflows' queue and the budgeted ModelArts activity
 * queues (src/budget/classes.ts) each need a Worker of their own, since a Worker polls one task queue.
 */
import type { Worker } from '@temporalio/worker';

export class WorkerGroup {
  constructor(readonly workers: readonly Worker[]) {}

  /** Runs every Worker until all have stopped; one failing stops the others, and its error is thrown. */
  async run(): Promise<void> {
    const results = await Promise.allSettled(
      this.workers.map((worker) =>
        worker.run().catch((err: unknown) => {
          this.shutdown();
          throw err;
        }),
      ),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  shutdown(): void {
    for (const worker of this.workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  }

  /** RUNNING while every Worker runs; otherwise the state of the first that does not. */
  getState(): ReturnType<Worker['getState']> {
    return this.workers.find((w) => w.getState() !== 'RUNNING')?.getState() ?? 'RUNNING';
  }
}
