/**
 * The built CLI as users run it (`node bin/modelarts-export.js ...`, a child process) against the suite's dev
 * server, a real worker process and the simulator over HTTP. Needs `npm run build` (npm test does it).
 */
import { randomUUID } from 'node:crypto';
import { runCli, type CliResult } from '../support/cli-process.js';
import { createHarness, eventually, type Harness } from '../support/harness.js';

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
});
afterAll(() => h?.close());

function cli(...args: string[]): Promise<CliResult> {
  return runCli(h.taskQueue, ...args);
}

// Per test: the integration project's testTimeout is not applied to projects by this Jest version.
const TIMEOUT = 120_000;

const exportCreates = (datasetId: string) => h.sim.counters().byDataset[datasetId]?.exportCreates ?? 0;
const id = (name: string) => `cli-${name}-${randomUUID().slice(0, 8)}`;

describe('modelarts-export start', () => {
  it(
    '--wait --json exits 0 and prints the run result as JSON (and nothing else) on stdout',
    async () => {
      const ds = h.sim.createDataset({ dataset_name: 'cli-happy' });
      h.sim.setBehavior(ds.dataset_id, { durationMs: 1500, progress: 'linear', totalSamples: 42 });
      const r = await cli(
        'start',
        '--dataset',
        ds.dataset_id,
        '--path',
        '/bucket/cli/',
        '--annotation-format',
        'COCO',
        '--wait',
        '--json',
      );
      expect(r.stderr).toMatch(/Started run modelarts-export-/);
      expect(r.code).toBe(0);
      const result = JSON.parse(r.stdout);
      expect(result).toMatchObject({
        outcome: 'succeeded',
        steps: [{ kind: 'export', datasetId: ds.dataset_id, status: 'SUCCESSED', totalSampleCount: 42 }],
      });
      expect(result.steps[0].outputPath).toContain('/bucket/cli/');
      expect(exportCreates(ds.dataset_id)).toBe(1);
    },
    TIMEOUT,
  );

  it(
    'exits 1 with the ModelArts error when the task ends FAILED',
    async () => {
      const ds = h.sim.createDataset({ dataset_name: 'cli-fails' });
      h.sim.setBehavior(ds.dataset_id, {
        durationMs: 1000,
        progress: 'linear',
        fail: { error_code: 'ModelArts.4401', error_msg: 'OBS write denied' },
      });
      const r = await cli('start', '--dataset', ds.dataset_id, '--path', '/bucket/cli/', '--wait', '--json');
      expect(r.code).toBe(1);
      const outcome = JSON.parse(r.stdout);
      expect(outcome.outcome).toBe('failed');
      expect(outcome.message).toMatch(/ModelArts\.4401.*OBS write denied/);
    },
    TIMEOUT,
  );

  it(
    'prints a readable summary without --json',
    async () => {
      const ds = h.sim.createDataset({ dataset_name: 'cli-human' });
      h.sim.setBehavior(ds.dataset_id, { durationMs: 1000, progress: 'linear', totalSamples: 7 });
      const r = await cli('start', '--dataset', ds.dataset_id, '--path', '/bucket/human/', '--wait');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/✔ Run .* succeeded/);
      expect(r.stdout).toMatch(/SUCCESSED {2}7\/7 samples/);
    },
    TIMEOUT,
  );

  it(
    'exits 2 on a bad flag, and nothing is created',
    async () => {
      const ds = h.sim.createDataset({ dataset_name: 'cli-bad-flag' });
      const r = await cli(
        'start',
        '--dataset',
        ds.dataset_id,
        '--path',
        '/bucket/cli/',
        '--export-type',
        'everything',
        '--wait',
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--export-type .*Allowed: labeled, unlabeled, all, conditional/);
      expect(r.stdout).toBe('');
      const cross = await cli(
        'start',
        '--dataset',
        ds.dataset_id,
        '--path',
        '/bucket/cli/',
        '--new-dataset',
        'x1',
        '--wait',
      );
      expect(cross.code).toBe(2);
      expect(exportCreates(ds.dataset_id)).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'start --id twice attaches to the first run: one task is created',
    async () => {
      const ds = h.sim.createDataset({ dataset_name: 'cli-twice' });
      h.sim.setBehavior(ds.dataset_id, { durationMs: 1000, progress: 'linear' });
      const workflowId = id('twice');
      const first = await cli(
        'start',
        '--dataset',
        ds.dataset_id,
        '--path',
        '/bucket/twice/',
        '--id',
        workflowId,
        '--wait',
        '--json',
      );
      expect(first.code).toBe(0);
      const second = await cli(
        'start',
        '--dataset',
        ds.dataset_id,
        '--path',
        '/bucket/twice/',
        '--id',
        workflowId,
        '--json',
      );
      expect(second.code).toBe(0);
      expect(JSON.parse(second.stdout)).toEqual({ workflowId, started: false, attached: true, status: 'COMPLETED' });
      expect(second.stderr).toMatch(/Attached to run .* \(COMPLETED\)/);
      expect(exportCreates(ds.dataset_id)).toBe(1);

      // status of the finished run
      const status = await cli('status', workflowId, '--json');
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({
        workflowId,
        status: 'COMPLETED',
        outcome: 'succeeded',
        result: { steps: [{ status: 'SUCCESSED' }] },
      });
    },
    TIMEOUT,
  );

  it(
    'without --wait prints the workflow id; status shows it running; cancel stops it; list finds it',
    async () => {
      const ds = h.sim.createDataset({ dataset_name: 'cli-cancel' });
      h.sim.setBehavior(ds.dataset_id, { durationMs: 120_000, progress: 'linear' });
      const workflowId = id('cancel');
      const started = await cli('start', '--dataset', ds.dataset_id, '--path', '/bucket/cancel/', '--id', workflowId);
      expect(started.code).toBe(0);
      expect(started.stdout.trim()).toBe(workflowId);

      await eventually(async () => {
        const s = await cli('status', workflowId, '--json');
        const report = JSON.parse(s.stdout);
        return report.status === 'RUNNING' && report.step?.taskId ? report : undefined;
      });

      const listed = await eventually(async () => {
        const l = await cli('list', '--dataset', ds.dataset_id, '--json');
        expect(l.code).toBe(0);
        const rows = JSON.parse(l.stdout) as { workflowId: string; datasetId: string; status: string }[];
        return rows.find((row) => row.workflowId === workflowId);
      });
      expect(listed).toMatchObject({ datasetId: ds.dataset_id, status: 'RUNNING' });

      const cancelled = await cli('cancel', workflowId);
      expect(cancelled.code).toBe(0);
      expect(cancelled.stderr).toMatch(/Cancellation requested/);

      const report = await eventually(async () => {
        const s = await cli('status', workflowId, '--json');
        const parsed = JSON.parse(s.stdout);
        return parsed.status === 'CANCELLED' ? parsed : undefined;
      });
      expect(report.outcome).toBe('cancelled');
      // Cancelling again is not an error: there is nothing left to cancel.
      const again = await cli('cancel', workflowId, '--json');
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout)).toEqual({ workflowId, cancelRequested: false, status: 'CANCELLED' });

      // Visibility is eventually consistent.
      await eventually(
        async () =>
          (await cli('list', '--dataset', ds.dataset_id, '--status', 'cancelled')).stdout.includes(workflowId) ||
          undefined,
      );
    },
    TIMEOUT,
  );

  it(
    'status of an unknown run exits 2',
    async () => {
      const r = await cli('status', id('nope'));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/no run with id/);
    },
    TIMEOUT,
  );
});
