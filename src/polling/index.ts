/** The polling policy and its helpers: pure, deterministic, safe to import from workflow code. */
export * from './policy.js';
export * from './status.js';
export { finishWindow, nextQuantum, type FinishWindow, type ValueSeen } from './estimate.js';
