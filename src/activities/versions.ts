/**
 * Create-or-reattach for dataset versions. The create request carries this run's marker in `description`
 * (src/workflows/marker.ts), which the version list echoes, so a version this step already created is found and
 * reused instead of publishing a second one. Every attempt looks (as for exports): the marker names this run's
 * step alone, so a match is never someone else's.
 */
import { log } from '@temporalio/activity';
import type { ModelArtsClient } from '../modelarts/client.js';
import type { DatasetVersion } from '../modelarts/types.js';
import { toFailure } from './failures.js';
import type { PublishVersionInput, StartedTask } from './types.js';

const SCAN_PAGES = 3;
const PAGE_SIZE = 1000;

export async function findVersionByMarker(
  client: ModelArtsClient,
  datasetId: string,
  marker: string,
): Promise<DatasetVersion | undefined> {
  for (let page = 0; page < SCAN_PAGES; page++) {
    const { versions, total_number: total } = await client.listVersions(datasetId, { limit: PAGE_SIZE, offset: page });
    const match = versions.find((v) => v.description?.includes(marker));
    if (match) return match;
    if ((page + 1) * PAGE_SIZE >= total || versions.length === 0) return undefined;
  }
  return undefined;
}

export function publishOrReattachVersionActivity(client: ModelArtsClient) {
  return async function publishOrReattachVersion(input: PublishVersionInput): Promise<StartedTask> {
    try {
      const existing = await findVersionByMarker(client, input.datasetId, input.marker);
      if (existing) {
        log.info('reattaching to version created by an earlier attempt', { versionId: existing.version_id });
        return { taskId: existing.version_id, reattached: true };
      }
      const { version_id } = await client.createVersion(input.datasetId, input.request);
      return { taskId: version_id, reattached: false };
    } catch (err) {
      throw toFailure(err, `publishing a version of dataset ${input.datasetId}`);
    }
  };
}
