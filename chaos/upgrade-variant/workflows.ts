/**
 * TEST-ONLY workflow variant for the upgrade scenario (chaos --upgrade and test/integration/upgrade.test.ts); never
 * part of the product bundle. It is the product's workflows with a deliberately replay-incompatible step: every
 * step run starts with a 1 ms timer the product's histories do not have, so a step history recorded by the product
 * code fails with a non-determinism error if it is ever replayed here (and the other way round). Pinned steps that
 * move only by continue-as-new never replay across the change, which is what the scenario proves.
 */
import { setWorkflowOptions, sleep } from '@temporalio/workflow';
import * as product from '../../workflows/index.js';
// The product's behaviours (pipeline auto-upgrade; the wrappers below declare their own).
import '../../workflows/versioning.js';
import type { StepInput, StepResult } from '../../workflows/types.js';

// Everything else as the product has it; the steps below replace theirs (local exports win over `export *`).
export * from '../../workflows/index.js';

export async function exportStep(input: StepInput): Promise<StepResult> {
  await sleep(1);
  return product.exportStep(input);
}

export async function intelligentTaskStep(input: StepInput): Promise<StepResult> {
  await sleep(1);
  return product.intelligentTaskStep(input);
}

export async function importStep(input: StepInput): Promise<StepResult> {
  await sleep(1);
  return product.importStep(input);
}

export async function publishVersionStep(input: StepInput): Promise<StepResult> {
  await sleep(1);
  return product.publishVersionStep(input);
}

// Pinned, as the product's steps are (src/workflows/versioning.ts).
for (const step of [exportStep, intelligentTaskStep, importStep, publishVersionStep])
  setWorkflowOptions({ versioningBehavior: 'PINNED' }, step);
