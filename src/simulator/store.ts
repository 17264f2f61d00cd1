/**
 * In-memory state of one simulated project: datasets and the tasks created on them. Records hold only what was
 * asked for and when; views (per resource module) derive the current status from the clock.
 */
import type { ExportParamsEcho, Label, SmartTaskConfig, TaskType } from '../modelarts/types.js';
import type { ResolvedBehavior } from './timeline.js';
import { momentAt, resolveBehavior } from './timeline.js';
import type { TaskBehavior } from './types.js';
import { Errors } from './errors.js';

export interface DatasetRecord {
  id: string;
  name: string;
  type: number;
  description: string;
  /** Always ends with `/`. */
  workPath: string;
  dataPath: string;
  labels: Label[];
  totalSamples: number;
  annotatedSamples: number;
  createdAt: number;
  updatedAt: number;
  behavior: Partial<TaskBehavior>;
  /** One-shot behaviours for the next tasks created through the API, oldest first. */
  nextBehaviors: Partial<TaskBehavior>[];
  exports: ExportRecord[];
  tasks: IntelligentRecord[];
  versions: VersionRecord[];
  imports: ImportRecord[];
  /** A NEW_DATASET export's dataset: status 0 (creating) until then (behaviour `newDatasetReadyMs`). */
  readyAt?: number;
  /** ... and 4 (abnormal) instead of 1 after it (behaviour `newDatasetAbnormal`). */
  abnormal?: boolean;
}

/** Whether reads show a record yet (behaviour `visibleAfterMs`: the service's reads lag its writes). */
export function visibleAt(record: { createdAt: number; behavior: ResolvedBehavior }, now: number): boolean {
  return now >= record.createdAt + (record.behavior.visibleAfterMs ?? 0);
}

export interface ExportRecord {
  id: string;
  datasetId: string;
  createdAt: number;
  behavior: ResolvedBehavior;
  path: string;
  exportType: number;
  exportFormat: number;
  versionFormat: string;
  annotationFormat?: string;
  versionId?: string;
  sampleState?: string;
  params: ExportParamsEcho;
  totalSamples: number;
  /** Samples of the exported set that are labeled (for the NEW_DATASET copy). */
  annotatedSamples: number;
  /** NEW_DATASET: the id the new dataset gets once the export succeeds. */
  newDatasetId?: string;
  materialized?: boolean;
}

export interface IntelligentRecord {
  id: string;
  datasetId: string;
  taskType: TaskType;
  createdAt: number;
  behavior: ResolvedBehavior;
  modelId?: string;
  config: SmartTaskConfig;
  totalSamples: number;
  annotatedSamples: number;
  /** Auto labeling exports the labels first; this is that export task. */
  exportTaskId?: string;
  stoppedAt?: number;
}

export interface VersionRecord {
  id: string;
  datasetId: string;
  name: string;
  format: string;
  description: string;
  createdAt: number;
  behavior: ResolvedBehavior;
  previousVersionId?: string;
  clearHardProperty: boolean;
  exportImages: boolean;
  removeSampleUsage: boolean;
  ratio: string;
  withColumnHeader?: boolean;
  totalSamples: number;
  annotatedSamples: number;
  labels: Label[];
}

export interface ImportRecord {
  id: string;
  datasetId: string;
  createdAt: number;
  behavior: ResolvedBehavior;
  importPath: string;
  /** 0 dir, 1 manifest (the response's int form). */
  importType: number;
  totalSamples: number;
  annotatedSamples: number;
  applied?: boolean;
}

/** `{work_path}{name}-{id}/`, the root of the dataset's `inner_*` paths (as in the docs' example). */
export function innerWorkPath(ds: DatasetRecord): string {
  return `${ds.workPath}${ds.name}-${ds.id}/`;
}

export class Store {
  readonly datasets = new Map<string, DatasetRecord>();

  constructor(readonly defaults: Partial<TaskBehavior>) {}

  /** The dataset, or 400 ModelArts.4352. */
  require(id: string): DatasetRecord {
    const ds = this.datasets.get(id);
    if (!ds) throw Errors.datasetNotFound();
    return ds;
  }

  /** Newest first, as every list of the service is ordered. */
  datasetList(): DatasetRecord[] {
    return [...this.datasets.values()].reverse().sort((a, b) => b.createdAt - a.createdAt);
  }

  findDatasetByName(name: string): DatasetRecord | undefined {
    return [...this.datasets.values()].find((d) => d.name === name);
  }

  /** Names taken by datasets or promised to NEW_DATASET exports still under way. */
  nameTaken(name: string): boolean {
    if (this.findDatasetByName(name)) return true;
    for (const ds of this.datasets.values())
      for (const ex of ds.exports)
        if (
          ex.newDatasetId &&
          !ex.materialized &&
          ex.params.export_new_dataset_name === name &&
          !ex.behavior.fail &&
          !ex.behavior.exportEndStatus
        )
          return true;
    return false;
  }

  /** Behaviour for a task created through the API: defaults < dataset < the next queued one-shot. */
  behaviorFor(ds: DatasetRecord): ResolvedBehavior {
    return resolveBehavior(this.defaults, ds.behavior, ds.nextBehaviors.shift());
  }

  /**
   * Applies time-driven side effects whose time has come, oldest first: NEW_DATASET exports create their dataset,
   * completed imports add their samples. Called before every request.
   */
  settle(now: number, createFromExport: (ex: ExportRecord, at: number) => void): void {
    const due: { at: number; run: () => void }[] = [];
    for (const ds of this.datasets.values()) {
      for (const ex of ds.exports) {
        if (!ex.newDatasetId || ex.materialized || ex.behavior.fail || ex.behavior.exportEndStatus) continue;
        const { phase, endsAt } = momentAt(ex.behavior, ex.createdAt, now);
        if (phase !== 'done') continue;
        due.push({
          at: endsAt,
          run: () => {
            ex.materialized = true;
            createFromExport(ex, endsAt);
          },
        });
      }
      for (const im of ds.imports) {
        if (im.applied || im.behavior.fail) continue;
        const { phase, endsAt } = momentAt(im.behavior, im.createdAt, now);
        if (phase !== 'done') continue;
        due.push({
          at: endsAt,
          run: () => {
            im.applied = true;
            ds.totalSamples += im.totalSamples;
            ds.annotatedSamples += im.annotatedSamples;
            ds.updatedAt = endsAt;
          },
        });
      }
    }
    for (const item of due.sort((a, b) => a.at - b.at)) item.run();
  }
}
