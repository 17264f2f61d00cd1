/** A faithful local ModelArts (dataset APIs, v2) with IAM tokens, AK/SK verification and fault injection. */
export { startSimulator, DEMO_PROJECT_ID } from './server.js';
export type {
  Counters,
  DatasetCounters,
  FaultConfig,
  FaultCounters,
  SeedDataset,
  Simulator,
  SimulatorOptions,
  TaskBehavior,
  TotalCounters,
} from './types.js';
export { DEFAULT_BEHAVIOR } from './timeline.js';
export { ManualClock, wallClock, type Clock } from './clock.js';
export { StateFileError } from './state-file.js';
export { runSimulator, DEMO_DATASETS, DEMO_CREDENTIALS } from './main.js';
export type { Denial } from './policy.js';
