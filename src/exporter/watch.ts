/**
 * Scans a task queue for overdue waits every few seconds until stopped, keeping every wait it ever saw overdue:
 * what the chaos runs and the bench report as false alerts (a healthy fleet under load must show none).
 */
import type { Client } from '@temporalio/client';
import { listOverdueWaits, type OverdueWait } from './overdue.js';

export class OverdueWatch {
  scans = 0;
  /** Scans that could not ask the server (it restarts in chaos runs); the next one tries again. */
  failedScans = 0;
  /** Every wait seen overdue, by workflow id (the first sighting). */
  readonly seen = new Map<string, OverdueWait>();
  private readonly timer: NodeJS.Timeout;
  private scanning: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly client: () => Client,
    private readonly taskQueues: readonly string[],
    everyMs = 10_000,
  ) {
    this.timer = setInterval(() => {
      this.scanning = this.scanning.then(() => this.scan());
    }, everyMs);
    this.timer.unref();
  }

  private async scan(): Promise<void> {
    try {
      for (const taskQueue of this.taskQueues) {
        for (const wait of await listOverdueWaits(this.client(), { taskQueue })) {
          if (!this.seen.has(wait.workflowId)) this.seen.set(wait.workflowId, wait);
        }
      }
      this.scans++;
    } catch {
      this.failedScans++;
    }
  }

  /** Stops scanning (after a last scan) and says what was seen. */
  async stop(): Promise<string> {
    clearInterval(this.timer);
    if (!this.stopped) this.scanning = this.scanning.then(() => this.scan());
    this.stopped = true;
    await this.scanning;
    const examples = [...this.seen.values()].slice(0, 3).map((w) => `${w.workflowId} (${w.reason})`);
    return (
      `overdue waits seen ${this.seen.size} in ${this.scans} scans` +
      (this.failedScans > 0 ? ` (+${this.failedScans} failed)` : '') +
      (examples.length > 0 ? `: ${examples.join(', ')}` : '')
    );
  }
}
