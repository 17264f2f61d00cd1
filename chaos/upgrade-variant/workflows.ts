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

/** The product's step behind a 1 ms timer its histories do not have; pinned, as the product's steps are. */
function incompatible(step: (input: StepInput) => Promise<StepResult>) {
  const variant = async (input: StepInput): Promise<StepResult> => {
    await sleep(1);
    return step(input);
  };
  setWorkflowOptions({ versioningBehavior: 'PINNED' }, variant);
  return variant;
}

export const exportStep = incompatible(product.exportStep);
export const intelligentTaskStep = incompatible(product.intelligentTaskStep);
export const importStep = incompatible(product.importStep);
export const publishVersionStep = incompatible(product.publishVersionStep);
