/** The bench worker's workflows: ours, unchanged, plus the overhead baseline (bundled with bundleWorkflowCode). */
export * from '../src/workflows/index.js';
export { baselinePipeline, baselineStep } from './baseline.js';
