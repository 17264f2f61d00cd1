/**
 * Sealed mode on the production topology (`MODELARTS_SEALED=true modelarts-export stack`): PostgreSQL-backed
 * Temporal, 2 sealed workers, the codec server beside the UI, with the stack's demo keys and tokens. Sealed exports
 * wait through a worker SIGKILL with one create each; the database (every table, dumped with pg_dump and its bytea
 * decoded) holds none of their dataset ids, OBS paths or the failed task's error_msg, while the same search finds a
 * clear control run's dataset id; the codec server decodes a sealed input for the tenant's token only, and the UI
 * is configured with it. Run with `npm run test:stack`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { awaitRun, startRun } from '../../src/client/runs.js';
import { DEFAULT_TASK_QUEUE } from '../../src/config.js';
import { sealedSettingsFromEnv } from '../../src/sealed/config.js';
import { clientDataConverter } from '../../src/sealed/data-converter.js';
import { ensureDemoSealedFiles } from '../../src/sealed/demo-files.js';
import { SimulatorAdmin } from '../../src/simulator/admin-client.js';
import { NativeStack } from '../../src/stack/stack.js';
import { eventually, FAST_POLICY } from '../support/harness.js';

const RUNS = 6;
const ERROR_MSG = 'Access denied to bucket confidential-acme-archive';
const dataset = (i: number) => `sealedStackDs${String(i).padStart(6, '0')}`;
const obsPath = (i: number) => `/customer-acme-${i}/exports/`;
const runId = (i: number) => `sealed-stack-run-${i}`;
const CONTROL = 'clearControlDs000001';
const log = (message: string) => console.error(`[stack-sealed] ${message}`);

let dir: string;
let stack: NativeStack;
let connection: Connection;
let clear: Client;
let sealed: Client;
let token: string;
let sim: SimulatorAdmin;
const sealedBefore = process.env.MODELARTS_SEALED;

beforeAll(async () => {
  process.env.MODELARTS_SEALED = 'true';
  dir = mkdtempSync(path.join(tmpdir(), 'stack-sealed-test-'));
  // Ports of their own, apart from the other stack test's (27400) and a developer's stack (7400).
  stack = await NativeStack.up({ dir, basePort: 28400, workers: 2, log });
  // The demo keys and tokens the stack made in its folder (made once, so these are the same).
  const demo = await ensureDemoSealedFiles(dir);
  token = demo.tokens.default!;
  connection = await Connection.connect({ address: stack.address });
  clear = new Client({ connection, namespace: stack.namespace });
  sealed = new Client({
    connection,
    namespace: stack.namespace,
    dataConverter: clientDataConverter(sealedSettingsFromEnv(demo.env)) as unknown as DataConverter,
  });
  sim = new SimulatorAdmin(stack.simulatorUrl);
}, 15 * 60_000);

afterAll(async () => {
  await connection?.close();
  await stack?.down();
  rmSync(dir, { recursive: true, force: true });
  if (sealedBefore === undefined) delete process.env.MODELARTS_SEALED;
  else process.env.MODELARTS_SEALED = sealedBefore;
});

/** Every table of Temporal's two databases as text, bytea decoded (a history blob holds payload bytes as they are). */
async function databaseText(): Promise<string> {
  const dump = (await stack.postgres.dump('temporal')) + (await stack.postgres.dump('temporal_visibility'));
  return dump.replace(/\\x([0-9a-f]+)/g, (_, hex: string) => Buffer.from(hex, 'hex').toString('latin1'));
}

describe('the native stack, sealed', () => {
  it(
    'seals exports that wait through a worker SIGKILL, one create each, and leaves nothing identifying in PostgreSQL',
    async () => {
      for (let i = 1; i <= RUNS; i++) {
        await sim.createDataset({
          dataset_id: dataset(i),
          dataset_name: `sealed-stack-${i}`,
          behavior: {
            durationMs: 8000 + i * 1000,
            progress: 'linear',
            ...(i === RUNS && { fail: { error_code: 'ModelArts.4401', error_msg: ERROR_MSG } }),
          },
        });
      }
      await sim.createDataset({ dataset_id: CONTROL, dataset_name: 'clear-control', behavior: { durationMs: 500 } });
      const wait = { policy: FAST_POLICY, deadline: '10m' };
      const exportOf = (datasetId: string, p: string) => ({ kind: 'export', datasetId, request: { path: p } });
      for (let i = 1; i <= RUNS; i++)
        await startRun(
          sealed,
          { steps: [exportOf(dataset(i), obsPath(i))], wait },
          {
            taskQueue: DEFAULT_TASK_QUEUE,
            workflowId: runId(i),
          },
        );
      // The control: started by a clear client, so its input (and its dataset id) is in the database as written.
      await startRun(
        clear,
        { steps: [exportOf(CONTROL, '/control-bucket/out/')], wait },
        {
          taskQueue: DEFAULT_TASK_QUEUE,
          workflowId: 'clear-control-run',
        },
      );

      // Once every run waits on its task, one worker dies without a word and another takes its place.
      await eventually(async () => ((await sim.counters()).total.exportCreates >= RUNS ? true : undefined), 60_000);
      await stack.killWorker(stack.state.pids.workers[0]!);
      await stack.startWorker();

      const outcomes = await Promise.all(Array.from({ length: RUNS }, (_, k) => awaitRun(sealed, runId(k + 1))));
      expect(outcomes.map((o) => o.outcome)).toEqual([...Array(RUNS - 1).fill('succeeded'), 'failed']);
      const last = outcomes[RUNS - 1]!;
      if (last.outcome !== 'succeeded') expect(last.message).toContain(ERROR_MSG);
      // Its result was written by the sealed workers: read with the keys.
      expect((await awaitRun(sealed, 'clear-control-run')).outcome).toBe('succeeded');
      const counters = await sim.counters();
      const creates = Array.from({ length: RUNS }, (_, k) => counters.byDataset[dataset(k + 1)]?.exportCreates);
      expect(creates).toEqual(Array(RUNS).fill(1));

      const text = await databaseText();
      // The search can see: the control run's dataset id is there in clear.
      expect(text).toContain(CONTROL);
      const secrets = [
        ...Array.from({ length: RUNS }, (_, k) => [dataset(k + 1), obsPath(k + 1), `sealed-stack-${k + 1}`]).flat(),
        ERROR_MSG,
      ];
      const found = secrets.filter((s) => text.includes(s));
      console.error(
        `[stack-sealed] searched ${(text.length / 1e6).toFixed(1)} MB of the database: ${found.length} found`,
      );
      expect(found).toEqual([]);
    },
    10 * 60_000,
  );

  it('decodes a sealed input through the codec server for the tenant token only; the UI is configured with it', async () => {
    const { events } = await clear.workflow.getHandle(runId(1)).fetchHistory();
    const input = events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const asJson = {
      metadata: Object.fromEntries(
        Object.entries(input?.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: Buffer.from(input?.data ?? []).toString('base64'),
    };
    expect(Buffer.from(asJson.data, 'base64').toString('latin1')).not.toContain(dataset(1));
    const decode = (bearer?: string) =>
      fetch(`${stack.codecUrl}/decode`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Namespace': stack.namespace,
          ...(bearer && { Authorization: `Bearer ${bearer}` }),
        },
        body: JSON.stringify({ payloads: [asJson] }),
      });
    const own = await decode(token);
    expect(own.status).toBe(200);
    const [back] = ((await own.json()) as { payloads: { data: string }[] }).payloads;
    expect(Buffer.from(back!.data, 'base64').toString('utf8')).toContain(dataset(1));
    expect((await decode()).status).toBe(401);
    expect((await decode(`${token}x`)).status).toBe(401);
    // The UI hands its browsers the codec endpoint, with credentials (its sign-in cookie).
    const settings = (await (await fetch(`${stack.uiUrl}/api/v1/settings`)).json()) as {
      Codec?: { Endpoint?: string; IncludeCredentials?: boolean };
    };
    expect(settings.Codec).toMatchObject({ Endpoint: stack.codecUrl, IncludeCredentials: true });
  });
});
