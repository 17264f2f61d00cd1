/** Every workflow the worker registers. Deterministic code only: see eslint.config.js. */
export { exportPipeline } from './pipeline.js';
export { exportStep, importStep, intelligentTaskStep, publishVersionStep } from './step.js';
