/** Request and operation counters, so tests and benchmarks can assert "exactly one create" or count polls. */
import type { Counters, DatasetCounters, FaultCounters, TotalCounters } from './types.js';

export type DatasetCounter = Exclude<keyof DatasetCounters, 'lists'>;
const LIST_COUNTERS: ReadonlySet<DatasetCounter> = new Set(['exportLists', 'taskLists', 'versionLists', 'importLists']);

function emptyDataset(): DatasetCounters {
  return {
    exportCreates: 0,
    exportStatusReads: 0,
    exportLists: 0,
    taskStarts: 0,
    taskStatusReads: 0,
    taskLists: 0,
    taskStops: 0,
    versionCreates: 0,
    versionReads: 0,
    versionLists: 0,
    importCreates: 0,
    importReads: 0,
    importLists: 0,
    datasetReads: 0,
    lists: 0,
  };
}

export class CounterBook {
  private byDataset = new Map<string, DatasetCounters>();
  private byTask = new Map<string, { statusReads: number; stops: number }>();
  readonly total: TotalCounters = {
    ...emptyDataset(),
    requests: 0,
    datasetLists: 0,
    tokensIssued: 0,
    authFailures: 0,
    errors: 0,
  };
  readonly faults: FaultCounters = { throttled: 0, rpmLimited: 0, serverErrors: 0, dropped: 0, slowed: 0, held: 0 };

  /** Counts one operation on a dataset (and, for task reads and stops, on the task). */
  count(datasetId: string, counter: DatasetCounter, taskId?: string): void {
    const ds = this.byDataset.get(datasetId) ?? emptyDataset();
    this.byDataset.set(datasetId, ds);
    ds[counter]++;
    this.total[counter]++;
    if (LIST_COUNTERS.has(counter)) {
      ds.lists++;
      this.total.lists++;
    }
    if (taskId !== undefined) {
      const task = this.byTask.get(taskId) ?? { statusReads: 0, stops: 0 };
      this.byTask.set(taskId, task);
      if (counter === 'taskStops') task.stops++;
      else task.statusReads++;
    }
  }

  /** Goes on from a snapshot (a restarted simulator keeps counting, so "exactly one create" holds across it). */
  restore(saved: Counters): void {
    this.byDataset = new Map(Object.entries(saved.byDataset).map(([id, c]) => [id, { ...emptyDataset(), ...c }]));
    this.byTask = new Map(Object.entries(saved.byTask).map(([id, t]) => [id, { ...t }]));
    Object.assign(this.total, saved.total);
    Object.assign(this.faults, saved.faultsInjected);
  }

  snapshot(): Counters {
    return structuredClone({
      byDataset: Object.fromEntries(this.byDataset),
      byTask: Object.fromEntries(this.byTask),
      total: this.total,
      faultsInjected: this.faults,
    });
  }
}
