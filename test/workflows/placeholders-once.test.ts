/**
 * Path placeholders are filled in once per run and the result kept in its history (a local activity behind a
 * patch), so a replay on a Node with other time-zone data cannot change a step's path; a spec without placeholders
 * adds nothing to the history.
 */
import { tsToDate } from '@temporalio/common';
import { awaitRun, startRun } from '../../src/client/runs.js';
import { placeholderValues } from '../../src/contract/placeholders.js';
import { expectSucceeded, FAST_POLICY } from '../support/harness.js';
import { running, startInProcessWorker, succeeded, type InProcessWorker } from './fake-modelarts.js';

let w: InProcessWorker;
beforeAll(async () => {
  w = await startInProcessWorker();
});
afterAll(async () => w?.close());

let n = 0;
async function run(datasetId: string, path: string) {
  w.fake.script(datasetId, { reads: [running(50), succeeded] });
  const { workflowId } = await startRun(
    w.client,
    { steps: [{ kind: 'export', datasetId, request: { path } }], wait: { policy: FAST_POLICY, deadline: '1m' } },
    { taskQueue: w.taskQueue },
  );
  expectSucceeded(await awaitRun(w.client, workflowId));
  const history = await w.client.workflow.getHandle(workflowId).fetchHistory();
  const markers = (history.events ?? []).flatMap((e) =>
    e.markerRecordedEventAttributes ? [e.markerRecordedEventAttributes] : [],
  );
  const creates = w.fake.callsOf('createOrReattachExport') as { datasetId: string; request: { path: string } }[];
  return {
    markers: markers.map((m) => m.markerName),
    path: creates.find((c) => c.datasetId === datasetId)!.request.path,
    startedAt: tsToDate(history.events![0]!.eventTime!),
  };
}

it("fills placeholders in once, by a local activity recorded in the run's history", async () => {
  const { markers, path, startedAt } = await run(`ph${++n}-${Date.now()}`, '/bucket/daily/{date}/');
  // The patch marker and the local activity's result marker.
  expect(markers.sort()).toEqual(['core_local_activity', 'core_patch']);
  expect(path.startsWith(`/bucket/daily/${placeholderValues(startedAt).date}/`)).toBe(true);
});

it('a spec without placeholders records nothing for them', async () => {
  const { markers, path } = await run(`ph${++n}-${Date.now()}`, '/bucket/plain/');
  expect(markers).toEqual([]);
  expect(path.startsWith('/bucket/plain/')).toBe(true);
});
