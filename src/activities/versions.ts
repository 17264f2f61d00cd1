/**
 * Create-or-reattach for dataset versions. The create request carries this run's marker in `description`
 * (src/workflows/marker.ts), which the version list echoes, so a version this step already created is found and
 * reused instead of publishing a second one. Every attempt looks (as for exports): the marker names this run's
 * step alone, so a match is never someone else's.
 *
 * Should a service not echo the description, a retry with a `version_name` would be refused as a duplicate
 * (ModelArts.4371); then the version of that name is taken when it was created since the step began and shows no
 * other description (names are unique per dataset, so it is the one an earlier attempt created).
 */
import { Context, log } from '@temporalio/activity';
import type { ModelArtsClient } from '../modelarts/client.js';
import { ModelArtsApiError } from '../modelarts/errors.js';
import type { DatasetVersion } from '../modelarts/types.js';
import { busyRefusal } from '../modelarts/refusals.js';
import { toFailure } from './failures.js';
import { findInPages } from './page-scan.js';
import { CLOCK_SKEW_MS } from './task-time.js';
import type { PublishVersionInput, StartAnswer } from './types.js';

/** Three pages of 1000: a dataset has few versions, and the list takes larger pages. */
const VERSION_SCAN = { pages: 3, pageSize: 1000 };

async function findVersion(
  client: ModelArtsClient,
  datasetId: string,
  match: (v: DatasetVersion) => boolean,
): Promise<DatasetVersion | undefined> {
  return findInPages(
    VERSION_SCAN,
    async (page) => {
      const { versions, total_number } = await client.listVersions(datasetId, page);
      return { items: versions, total: total_number };
    },
    match,
  );
}

/** The version named in the request, when an earlier attempt of this step can have created it. */
function ownVersionByName(input: PublishVersionInput) {
  return (v: DatasetVersion) =>
    v.version_name === input.request.version_name &&
    (v.description === undefined || v.description.includes(input.marker)) &&
    (v.create_time ?? 0) >= input.stepStartedAtMs - CLOCK_SKEW_MS;
}

export function publishOrReattachVersionActivity(client: ModelArtsClient) {
  return async function publishOrReattachVersion(input: PublishVersionInput): Promise<StartAnswer> {
    try {
      const existing = await findVersion(client, input.datasetId, (v) => !!v.description?.includes(input.marker));
      if (existing) {
        log.info('reattaching to version created by an earlier attempt', { versionId: existing.version_id });
        return { taskId: existing.version_id, reattached: true };
      }
      try {
        const { version_id } = await client.createVersion(input.datasetId, input.request);
        return { taskId: version_id, reattached: false };
      } catch (err) {
        // On a retry, "the dataset is publishing" may be the version an earlier attempt created unseen.
        const busy = busyRefusal(err, { retry: Context.current().info.attempt > 1, ownCodes: ['ModelArts.4343'] });
        if (busy) return busy;
        const duplicate = err instanceof ModelArtsApiError && err.errorCode === 'ModelArts.4371';
        if (!duplicate || !input.request.version_name || Context.current().info.attempt === 1) throw err;
        const named = await findVersion(client, input.datasetId, ownVersionByName(input));
        if (!named) throw err;
        log.info('reattaching to version created by an earlier attempt (found by name)', {
          versionId: named.version_id,
        });
        return { taskId: named.version_id, reattached: true };
      }
    } catch (err) {
      throw toFailure(err, `publishing a version of dataset ${input.datasetId}`);
    }
  };
}
