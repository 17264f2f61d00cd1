/** The library's public entry point (src/index.ts, `main` of package.json): the calls the README promises. */
import * as library from '../../src/index.js';

it('exports the run, schedule, budget and deployment calls', () => {
  const calls = [
    'startRun',
    'awaitRun',
    'getProgress',
    'listRuns',
    'cancelRun',
    'createSchedule',
    'triggerSchedule',
    'describeBudget',
    'setBudget',
    'describeDeployment',
    'promote',
    'ramp',
    'rollback',
    'drainVersion',
    'countPinned',
    'wakePinned',
    'createWorker',
    'runWorker',
    'parsePipelineSpec',
    'startSimulator',
    'listOverdueWaits',
    'startExporter',
  ] as const;
  for (const name of calls) expect([name, typeof library[name]]).toEqual([name, 'function']);
  expect(library.DeploymentNotFoundError.prototype).toBeInstanceOf(Error);
  expect(library.EXPORT_PIPELINE_TYPE).toBe('exportPipeline');
});
