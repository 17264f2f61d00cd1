/**
 * `modelarts-export dev` stopped with Ctrl-C while a run waits on its export, then started again on the same data
 * dir: Temporal resumes the run from temporal.db and the simulator still knows the task from simulator.json, so the
 * run succeeds with the one export it created before the restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { awaitRun, startRun } from '../../src/client/runs.js';
import { DEFAULT_TASK_QUEUE } from '../../src/config.js';
import { freePort } from '../../src/devserver/dev-server.js';
import { DEMO_DATASETS, type Counters } from '../../src/simulator/index.js';
import { eventually, expectSucceeded } from '../support/harness.js';
import { devEnv } from '../support/cli-process.js';

const bin = path.resolve('bin', 'modelarts-export.js');
const DATASET = DEMO_DATASETS[0]!.dataset_id!;
/** Long enough to still be running after a stop and a start of `dev`, and no longer. */
const TASK_MS = 20_000;

interface Dev {
  child: ChildProcess;
  output: () => string;
  /** SIGINT, as Ctrl-C, and the exit code. */
  stop: () => Promise<number | null>;
}

const running = new Set<Dev>();
let dataDir: string;

afterAll(async () => {
  // Only after a failure: Ctrl-C first, so dev stops its Temporal server too; SIGKILL if it hangs.
  for (const dev of running) {
    const force = setTimeout(() => dev.child.kill('SIGKILL'), 15_000);
    await dev.stop();
    clearTimeout(force);
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function startDev(args: string[]): Promise<Dev> {
  const child = spawn(process.execPath, [bin, 'dev', ...args], {
    env: devEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  const dev: Dev = {
    child,
    output: () => out,
    stop: async () => {
      child.kill('SIGINT');
      const code = await closed;
      running.delete(dev);
      return code;
    },
  };
  running.add(dev);
  const ready = eventually(() => out.includes('Press Ctrl-C to stop.') || undefined, 60_000);
  await Promise.race([ready, closed.then((code) => Promise.reject(new Error(`dev exited with ${code}:\n${out}`)))]);
  return dev;
}

async function admin<T>(simUrl: string, method: string, route: string, body?: unknown): Promise<T> {
  const response = await fetch(`${simUrl}/_sim/${route}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  expect(response.ok).toBe(true);
  return (await response.json()) as T;
}

it('a run waiting on an export survives Ctrl-C and a new start of dev on the same data dir', async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'cli-dev-restart-'));
  const [port, uiPort, simPort] = [await freePort(), await freePort(), await freePort()];
  const args = ['--port', String(port), '--ui-port', String(uiPort), '--sim-port', String(simPort)];
  args.push('--data-dir', dataDir);
  const simUrl = `http://127.0.0.1:${simPort}`;
  const counters = () => admin<Counters>(simUrl, 'GET', 'counters');

  let dev = await startDev(args);
  await admin(simUrl, 'POST', `datasets/${DATASET}/next-behavior`, { durationMs: TASK_MS, progress: 'linear' });
  let connection = await Connection.connect({ address: `127.0.0.1:${port}` });
  const { workflowId } = await startRun(
    new Client({ connection }),
    {
      steps: [{ kind: 'export', datasetId: DATASET, request: { path: '/demo-bucket/restart/' } }],
      wait: { policy: { maxDelayMs: 2000 } },
    },
    { taskQueue: DEFAULT_TASK_QUEUE },
  );
  // Mid-wait: created, and read at least once.
  const taskId = await eventually(async () => {
    const c = await counters();
    return Object.entries(c.byTask).find(([, t]) => t.statusReads > 0)?.[0];
  });
  await connection.close();
  const createdBefore = (await counters()).byDataset[DATASET]!.exportCreates;
  expect(createdBefore).toBe(1);
  expect(await dev.stop()).toBe(0);

  dev = await startDev(args);
  expect(dev.output()).toContain(`state kept in ${path.join(dataDir, 'simulator.json')}`);
  connection = await Connection.connect({ address: `127.0.0.1:${port}` });
  const result = expectSucceeded(await awaitRun(new Client({ connection }), workflowId));
  await connection.close();

  expect(result.steps[0]).toMatchObject({ taskId, status: 'SUCCESSED' });
  const after = await counters();
  expect(after.byDataset[DATASET]!.exportCreates).toBe(1);
  expect(after.byTask[taskId]!.statusReads).toBeGreaterThan(1);
  expect(await dev.stop()).toBe(0);
}, 120_000);
