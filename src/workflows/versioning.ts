/**
 * How each workflow type moves between Worker Deployment Versions (loaded only by versioned workers, through
 * versioned.ts; see src/deployment/worker-version.ts):
 * - steps are PINNED: a step never replays on code it was not started with, so the wait logic may change in any
 *   way between versions; a waiting step moves to a new version by continuing-as-new at its next wake
 *   (wait.ts, targetWorkerDeploymentVersionChanged), which starts a fresh history on the new code;
 * - the pipeline is AUTO_UPGRADE: it only starts children and collects their results, has no continue-as-new
 *   point, and lives as long as its longest step; pinned, it would keep every old version's workers alive for
 *   days. Its history is short and covered by the replay tests, so pipeline changes must stay replay-compatible
 *   (patched()), while step changes need not.
 */
import { setWorkflowOptions } from '@temporalio/workflow';
import { exportPipeline } from './pipeline.js';
import { exportStep, importStep, intelligentTaskStep, publishVersionStep } from './step.js';

setWorkflowOptions({ versioningBehavior: 'AUTO_UPGRADE' }, exportPipeline);
setWorkflowOptions({ versioningBehavior: 'PINNED' }, exportStep);
setWorkflowOptions({ versioningBehavior: 'PINNED' }, intelligentTaskStep);
setWorkflowOptions({ versioningBehavior: 'PINNED' }, importStep);
setWorkflowOptions({ versioningBehavior: 'PINNED' }, publishVersionStep);
