/**
 * The library API: what the CLI does, from TypeScript. Start, attach to, follow and cancel runs; run the worker
 * in your own process; talk to ModelArts directly; run the simulator locally.
 */
export { connect, type Connected } from './client/connect.js';
export {
  startRun,
  getProgress,
  listRuns,
  listRunsQuery,
  cancelRun,
  awaitRun,
  summaryOf,
  EXPORT_PIPELINE_TYPE,
  LIST_STATUSES,
  type CancelResult,
  type ListRunsFilter,
  type ListStatus,
  type RunHandle,
  type RunOutcome,
  type RunProgress,
  type RunSummary,
  type StartOptions,
  type Started,
} from './client/runs.js';
export {
  createSchedule,
  scheduledSpec,
  updateSchedule,
  describeSchedule,
  listSchedules,
  pauseSchedule,
  unpauseSchedule,
  triggerSchedule,
  backfillSchedule,
  deleteSchedule,
  scheduledRunsQuery,
  ScheduleOptionsError,
  type BackfillOptions,
  type CreateScheduleOptions,
  type ScheduleDraft,
  type UpdateScheduleOptions,
  type ListSchedulesOptions,
} from './client/schedules.js';
export type { ScheduleInfo, ScheduleListEntry, ScheduledRun } from './client/schedule-describe.js';
export {
  describeBudget,
  setBudget,
  pauseBudget,
  resumeBudget,
  BudgetError,
  type BudgetChange,
  type BudgetTarget,
  type ClassBudget,
} from './client/budget.js';
export {
  budgetQueueName,
  BUDGET_CLASSES,
  DEFAULT_TENANT,
  type BudgetClass,
  type BudgetedClass,
  type RunOrigin,
} from './budget/classes.js';
export {
  describeDeployment,
  promote,
  ramp,
  rollback,
  drainVersion,
  countPinned,
  wakePinned,
  newestCandidate,
  previousVersion,
  DeploymentNotFoundError,
  type DeploymentState,
  type VersionSummary,
  type RoutingChange,
  type DrainOptions,
  type DrainResult,
} from './client/deployment.js';
export {
  listOverdueWaits,
  OverdueOptionsError,
  type OpenWait,
  type OverdueOptions,
  type OverdueWait,
} from './exporter/overdue.js';
export { classifyOverdue, OVERDUE_REASONS, type OverdueReason, type WaitFacts } from './exporter/classify.js';
export { startExporter, type ExporterOptions, type RunningExporter } from './exporter/server.js';
export { OVERLAP_NAMES, type Overlap, type ScheduleTiming } from './spec/schedule.js';
export { parsePipelineSpec, pipelineSpecJsonSchema, SpecError } from './spec/pipeline.js';
export { PLACEHOLDER_NAMES, expandPlaceholders } from './contract/placeholders.js';
export {
  createWorker,
  runWorker,
  type BudgetedExtraActivities,
  type ExtraActivities,
  type RunningWorker,
} from './worker.js';
export { workerConfigFromEnv, temporalConfigFromEnv, DEFAULT_TASK_QUEUE, type WorkerConfig } from './config.js';
export { ConfigError } from './config-error.js';
export { createLogger } from './logger.js';
export {
  DatasetIdKey,
  TaskIdKey,
  TaskStatusKey,
  TenantKey,
  NextReadAtKey,
  OverdueAtKey,
  ReadsFailingSinceKey,
} from './workflows/search-attributes.js';
export { pipelineProgressQuery, stepProgressQuery, setPollPolicyUpdate } from './workflows/definitions.js';
export type * from './workflows/types.js';
export { DEFAULT_POLICY, type PollPolicy } from './polling/policy.js';
export * as modelarts from './modelarts/index.js';
export { startSimulator, type Simulator, type SimulatorOptions } from './simulator/index.js';
export { startDevServer, type DevServer } from './devserver/dev-server.js';
