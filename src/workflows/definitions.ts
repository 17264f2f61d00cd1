/** Queries, signals and updates the workflows answer; shared by the workflows and the client helpers. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PollPolicy } from '../polling/policy.js';
import type { PipelineProgress, StepProgress } from './types.js';

export const stepProgressQuery = defineQuery<StepProgress>('progress');
export const pipelineProgressQuery = defineQuery<PipelineProgress>('progress');

/** Changes the polling policy of a running wait; answers the policy now in force. */
export const setPollPolicyUpdate = defineUpdate<PollPolicy, [Partial<PollPolicy>]>('setPollPolicy');
/** A cancelled step tells its pipeline which ModelArts task it leaves behind, so the pipeline can report it. */
export const stepTaskSignal = defineSignal<[{ index: number; taskId: string; reattached: boolean }]>('stepTask');

/** How the pipeline forwards a policy change to the step that is waiting. */
export const pollPolicySignal = defineSignal<[Partial<PollPolicy>]>('pollPolicy');

/**
 * A drain's wake (src/client/deployment.ts): a pinned step on a versioned worker continues-as-new onto the
 * deployment's current version at once, without the status read an ordinary wake makes first (reads are budgeted,
 * so a drain of many waits would otherwise queue behind the budget). Unversioned workers just re-plan.
 */
export const moveToCurrentVersionSignal = defineSignal('moveToCurrentVersion');
