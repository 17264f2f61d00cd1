/**
 * The pipeline's path placeholders ({date}, {time}, …), filled in once per run by a local activity: its result is
 * recorded in the run's history, so a replay reuses it instead of filling them in again with the time-zone data of
 * whatever Node version the worker has by then (src/workflows/pipeline.ts).
 */
import { ApplicationFailure } from '@temporalio/activity';
import { expandSpecPlaceholders } from '../contract/placeholders.js';
import { FAILURE } from '../contract/failures.js';
import type { ExpandRunPathsInput, RunLocalActivities } from './types.js';

export function runLocalActivities(): RunLocalActivities {
  return {
    async expandRunPaths({ spec, atMs }: ExpandRunPathsInput) {
      try {
        return expandSpecPlaceholders(spec, new Date(atMs));
      } catch (err) {
        // Only a spec that skipped validation gets here (an unknown time zone).
        throw ApplicationFailure.nonRetryable(
          `cannot fill in path placeholders: ${(err as Error).message}`,
          FAILURE.invalidSpec,
        );
      }
    },
  };
}
