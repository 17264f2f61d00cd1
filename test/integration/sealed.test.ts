/**
 * Sealed mode end to end (real dev server, real worker processes, simulator over HTTP): a sealed run's history,
 * fetched raw without the codec, holds none of its dataset id, OBS path or ModelArts error_msg in payloads, memo,
 * user metadata or failures, while `status` through the CLI decodes it; its search values are keyed hashes made by
 * the client and the create activity (no local activity), for schedules too; a run started unsealed finishes on a sealed
 * worker; a sealed run on an unsealed worker fails its workflow task naming the key id and run, and resumes when
 * a sealed worker comes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { run as cli } from '../../src/cli/main.js';
import { awaitRun, startRun } from '../../src/client/runs.js';
import {
  createSchedule,
  deleteSchedule,
  scheduledRunsQuery,
  triggerSchedule,
  updateSchedule,
} from '../../src/client/schedules.js';
import { searchHash } from '../../src/sealed/search-hash.js';
import { DatasetIdKey } from '../../src/workflows/search-attributes.js';
import type { SealedSearch } from '../../src/workflows/types.js';
import { sealedSettingsFromEnv } from '../../src/sealed/config.js';
import { clientDataConverter } from '../../src/sealed/data-converter.js';
import { SEALED_SEARCH_PATCH } from '../../src/workflows/search-values.js';
import { createHarness, eventually, expectSucceeded, FAST_POLICY, type Harness } from '../support/harness.js';

const TEAM_A_KEY = { tenant: 'team-a', id: 'a1', bytes: randomBytes(32) };
const KEYS = JSON.stringify({
  default: { current: 'd1', keys: { d1: randomBytes(32).toString('base64') } },
  'team-a': { current: 'a1', keys: { a1: TEAM_A_KEY.bytes.toString('base64') } },
});
const SEALED_ENV = { MODELARTS_SEALED: 'true', MODELARTS_SEALED_KEYS: KEYS };
const wait = { policy: FAST_POLICY, deadline: '2m' };

let h: Harness;
let sealedClient: Client;
beforeAll(async () => {
  h = await createHarness();
  sealedClient = new Client({
    connection: h.client.connection,
    namespace: h.client.options.namespace,
    dataConverter: clientDataConverter(sealedSettingsFromEnv(SEALED_ENV)) as unknown as DataConverter,
  });
});
afterAll(() => h?.close());

/** Every string and byte string in a raw history, search attributes included (sealed runs hold keyed hashes). */
function rawText(value: unknown, out: string[] = []): string[] {
  if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('latin1'));
  else if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) rawText(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) rawText(v, out);
  return out;
}

/** The raw histories (no codec) of a run and its step workflows. */
async function rawHistories(workflowId: string, steps: number): Promise<string> {
  const texts: string[] = [];
  for (const id of [workflowId, ...Array.from({ length: steps }, (_, i) => `${workflowId}.step-${i + 1}`)]) {
    const { history } = await h.client.workflowService.getWorkflowExecutionHistory({
      namespace: h.client.options.namespace,
      execution: { workflowId: id },
    });
    texts.push(...rawText(history?.events));
  }
  return texts.join('\n');
}

async function cliStatus(workflowId: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await cli(['status', workflowId, '--json'], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: {
      ...SEALED_ENV,
      TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
      TEMPORAL_NAMESPACE: h.client.options.namespace,
    },
  });
  return { code, stdout, stderr };
}

/** A worker on a task queue of its own, sealed or not. */
const workerOn = (taskQueue: string, env: Record<string, string> = {}) =>
  h.startWorker({ TEMPORAL_TASK_QUEUE: taskQueue, ...env });

describe('sealed mode', () => {
  it('leaves nothing identifying in clear in a sealed run, while status through the CLI decodes it', async () => {
    const queue = `sealed-${randomUUID()}`;
    await workerOn(queue, SEALED_ENV);
    const ok = h.sim.createDataset({ dataset_name: `sealed-ok-${randomUUID().slice(0, 8)}` });
    h.sim.setBehavior(ok.dataset_id, { durationMs: 500, progress: 'linear' });
    const bad = h.sim.createDataset({ dataset_name: `sealed-bad-${randomUUID().slice(0, 8)}` });
    const errorMsg = `Access denied to bucket confidential-acme-${randomUUID().slice(0, 8)}`;
    h.sim.setBehavior(bad.dataset_id, {
      durationMs: 500,
      progress: 'linear',
      fail: { error_code: 'ModelArts.4401', error_msg: errorMsg },
    });
    const okPath = `/customer-acme-${randomUUID().slice(0, 8)}/exports/`;
    const badPath = `/customer-acme-${randomUUID().slice(0, 8)}/failed/`;

    const started = await startRun(
      sealedClient,
      { steps: [{ kind: 'export', datasetId: ok.dataset_id, request: { path: okPath } }], wait, tenant: 'team-a' },
      { taskQueue: queue },
    );
    const failed = await startRun(
      sealedClient,
      { steps: [{ kind: 'export', datasetId: bad.dataset_id, request: { path: badPath } }], wait, tenant: 'team-a' },
      { taskQueue: queue },
    );
    // Sealed, a run's default id names its tenant and not its dataset.
    expect(started.workflowId).toMatch(/^team-a~modelarts-export-run-/);
    expectSucceeded(await awaitRun(sealedClient, started.workflowId));
    const outcome = await awaitRun(sealedClient, failed.workflowId);
    expect(outcome.outcome).toBe('failed');
    if (outcome.outcome !== 'succeeded') expect(outcome.message).toContain(errorMsg);

    // Keyed hashes made by the client and the create activity: no local activity, no patch in either history.
    for (const id of [started.workflowId, `${started.workflowId}.step-1`]) {
      const handle = h.client.workflow.getHandle(id);
      const { events } = await handle.fetchHistory();
      const markers = (events ?? []).map((e) => e.markerRecordedEventAttributes?.markerName);
      expect({ id, localActivities: markers.filter((m) => m === 'core_local_activity') }).toEqual({
        id,
        localActivities: [],
      });
      const { searchAttributes } = await handle.describe();
      expect(searchAttributes.TemporalChangeVersion ?? []).not.toContain(SEALED_SEARCH_PATCH);
    }
    const okRaw = await rawHistories(started.workflowId, 1);
    const badRaw = await rawHistories(failed.workflowId, 1);
    expect(okRaw).toContain('binary/encrypted');
    for (const secret of [ok.dataset_id, okPath, ok.dataset_name]) expect(okRaw).not.toContain(secret);
    for (const secret of [bad.dataset_id, badPath, errorMsg, 'Access denied']) expect(badRaw).not.toContain(secret);
    // Failure messages went into sealed payloads (encodeCommonAttributes), in activities and workflows alike.
    expect(badRaw).toContain('Encoded failure');
    // The same run read through the CLI with the keys shows what it did.
    const status = await cliStatus(started.workflowId);
    expect(status).toMatchObject({ code: 0 });
    expect(status.stdout).toContain(ok.dataset_id);
  });

  it('finishes a run started unsealed on a sealed worker (turning sealed mode on with runs in flight)', async () => {
    const queue = `sealed-on-${randomUUID()}`;
    const unsealed = await workerOn(queue);
    const dataset = h.sim.createDataset({ dataset_name: `turn-on-${randomUUID().slice(0, 8)}` });
    h.sim.setBehavior(dataset.dataset_id, { durationMs: 4000, progress: 'linear' });
    const { workflowId } = await startRun(
      h.client,
      {
        steps: [{ kind: 'export', datasetId: dataset.dataset_id, request: { path: '/bucket/turn-on/' } }],
        wait,
        tenant: 'team-a',
      },
      { taskQueue: queue },
    );
    // Unsealed, a tenant's run gets its prefix too, so sealing it later uses that tenant's key.
    expect(workflowId).toMatch(/^team-a~/);
    await eventually(
      async () => (await rawHistories(workflowId, 1).catch(() => '')).includes('readStatus') || undefined,
    );
    await unsealed.kill();
    await workerOn(queue, SEALED_ENV);
    expectSucceeded(await awaitRun(sealedClient, workflowId));
    // The sealed worker wrote sealed payloads into the run started clear.
    expect(await rawHistories(workflowId, 1)).toContain('binary/encrypted');
  });

  it("starts a sealed schedule's runs with the client's keyed hashes, kept across an update", async () => {
    const queue = `sealed-schedule-${randomUUID()}`;
    await workerOn(queue, SEALED_ENV);
    const [first, second] = ['a', 'b'].map((n) => {
      const d = h.sim.createDataset({ dataset_name: `sealed-sched-${n}-${randomUUID().slice(0, 8)}` });
      h.sim.setBehavior(d.dataset_id, { durationMs: 300, progress: 'linear' });
      return d.dataset_id;
    });
    const scheduleId = `sealed-${randomUUID().slice(0, 8)}`;
    const spec = {
      steps: [
        { kind: 'export', datasetId: first, request: { path: '/bucket/sched-a/' } },
        { kind: 'export', datasetId: second, request: { path: '/bucket/sched-b/' } },
      ],
      wait,
    };
    await createSchedule(sealedClient, {
      scheduleId,
      spec: { ...spec, tenant: 'team-a' },
      every: '1h',
      paused: true,
      taskQueue: queue,
    });
    try {
      // An update that leaves the spec alone keeps the hashes the create made: the first dataset's in the runs' own
      // search attribute, the others' in the second argument.
      await updateSchedule(sealedClient, scheduleId, { timezone: 'Europe/Berlin' });
      const { action } = await sealedClient.schedule.getHandle(scheduleId).describe();
      const hash = (id: string) => searchHash(TEAM_A_KEY, DatasetIdKey.name, id);
      expect(JSON.stringify(action.typedSearchAttributes)).toContain(hash(first!));
      const args = (action as { args?: unknown[] }).args;
      expect(args?.[1] as SealedSearch).toEqual({ datasetIds: { [second!]: hash(second!) } });

      await triggerSchedule(sealedClient, scheduleId);
      const workflowId = await eventually(async () => {
        for await (const run of h.client.workflow.list({ query: scheduledRunsQuery(scheduleId) }))
          return run.workflowId;
        return undefined;
      });
      expectSucceeded(await awaitRun(sealedClient, workflowId));
      for (const [i, id] of [first!, second!].entries()) {
        const step = await h.client.workflow.getHandle(`${workflowId}.step-${i + 1}`).describe();
        expect(step.typedSearchAttributes.get(DatasetIdKey)).toBe(hash(id));
      }
      const { events } = await h.client.workflow.getHandle(workflowId).fetchHistory();
      expect(events?.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toEqual([]);
    } finally {
      await deleteSchedule(sealedClient, scheduleId);
    }
  });

  it('fails the workflow task of a sealed run on an unsealed worker naming key id and run, then resumes on a sealed one', async () => {
    const queue = `sealed-off-${randomUUID()}`;
    const unsealed = await workerOn(queue);
    const dataset = h.sim.createDataset({ dataset_name: `turn-off-${randomUUID().slice(0, 8)}` });
    h.sim.setBehavior(dataset.dataset_id, { durationMs: 500, progress: 'linear' });
    const { workflowId } = await startRun(
      sealedClient,
      {
        steps: [{ kind: 'export', datasetId: dataset.dataset_id, request: { path: '/bucket/turn-off/' } }],
        wait,
        tenant: 'team-a',
      },
      { taskQueue: queue },
    );
    const failure = await eventually(async () => {
      const { history } = await h.client.workflowService.getWorkflowExecutionHistory({
        namespace: h.client.options.namespace,
        execution: { workflowId },
      });
      return history?.events?.find((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes
        ?.failure;
    });
    expect(failure?.message).toContain(`sealed payload of run ${workflowId} (key "a1" of tenant "team-a")`);
    expect(failure?.message).toContain('not configured for sealed mode');
    // No crash loop: the worker is still up, and said why (and counted it).
    expect(unsealed.alive()).toBe(true);
    expect(unsealed.output()).toContain('key \\"a1\\" of tenant \\"team-a\\"');
    await unsealed.kill();
    await workerOn(queue, SEALED_ENV);
    expectSucceeded(await awaitRun(sealedClient, workflowId));
  });
});
