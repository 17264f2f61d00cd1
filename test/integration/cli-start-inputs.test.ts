/**
 * What `start` and `schedule create` say when their input gets through our own checks: a start the server refuses
 * as invalid (exit 2 with the server's reason, not "Failed to start Workflow" and exit 1), and a start that attaches
 * to a running run with the same id (said on stderr and in --json, including when the spec differs). The built CLI
 * against the suite's dev server; no worker listens on these task queues, so the runs stay RUNNING until terminated.
 */
import { randomUUID } from 'node:crypto';
import { runCli } from '../support/cli-process.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
const started: string[] = [];

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  for (const id of started)
    await h.client.workflow
      .getHandle(id)
      .terminate('test over')
      .catch(() => undefined);
  await h?.close();
});

const TIMEOUT = 120_000;
const queue = () => `inputs-${randomUUID()}`;

describe('start refused by the server', () => {
  it(
    'prints the server\'s reason and exits 2 (bad input), not "Failed to start Workflow" with exit 1',
    async () => {
      // A task queue name over the server's 1,000-character limit is ours to pass on, the server's to refuse.
      const r = await runCli('q'.repeat(1001), 'start', '--dataset', 'ds1', '--path', '/bucket/refused/');
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^error: Starting run "modelarts-export-ds1-[^"]+": the server refused it: .*\S/m);
      expect(r.stderr).toMatch(/task ?queue/i);
      expect(r.stderr).not.toContain('Failed to start Workflow');
    },
    TIMEOUT,
  );

  it(
    'schedule create: a cron the server refuses exits 2 with its reason',
    async () => {
      const id = `inputs-every0-${randomUUID().slice(0, 8)}`;
      const r = await runCli(
        queue(),
        'schedule',
        'create',
        id,
        '--cron',
        '@every 0s',
        '--dataset',
        'ds1',
        '--path',
        '/bucket/s/',
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: Creating schedule inputs-every0-\w+: the server refused it: .*interval/m);
    },
    TIMEOUT,
  );
});

describe('start --id of a run that exists', () => {
  it(
    'attaches to the running run, says so on stderr and in --json, and says when the spec differs',
    async () => {
      const taskQueue = queue();
      const workflowId = `inputs-attach-${randomUUID().slice(0, 8)}`;
      const first = await runCli(taskQueue, 'start', '--dataset', 'ds1', '--path', '/bucket/a/', '--id', workflowId);
      expect(first.code).toBe(0);
      started.push(workflowId);
      const { runId } = await h.client.workflow.getHandle(workflowId).describe();

      const same = await runCli(
        taskQueue,
        'start',
        '--dataset',
        'ds1',
        '--path',
        '/bucket/a/',
        '--id',
        workflowId,
        '--json',
      );
      expect(same.code).toBe(0);
      expect(JSON.parse(same.stdout)).toEqual({ workflowId, started: false, attached: true, status: 'RUNNING' });
      expect(same.stderr).toContain(`Attached to run ${workflowId} (RUNNING), which already exists`);
      expect(same.stderr).not.toContain('differs');

      const other = await runCli(
        taskQueue,
        'start',
        '--dataset',
        'ds1',
        '--path',
        '/bucket/b/',
        '--id',
        workflowId,
        '--json',
      );
      expect(other.code).toBe(0);
      expect(JSON.parse(other.stdout)).toEqual({
        workflowId,
        started: false,
        attached: true,
        status: 'RUNNING',
        specDiffers: true,
      });
      expect(other.stderr).toContain(`The spec given differs from the one run ${workflowId} was started with`);
      // Still the first run: the second spec was not started.
      expect((await h.client.workflow.getHandle(workflowId).describe()).runId).toBe(runId);
    },
    TIMEOUT,
  );

  it(
    'two automatic ids in the same second on one dataset are two runs',
    async () => {
      const taskQueue = queue();
      const [a, b] = await Promise.all(
        ['/bucket/p-a/', '/bucket/p-b/'].map((p) =>
          runCli(taskQueue, 'start', '--dataset', 'ds-same', '--path', p, '--json'),
        ),
      );
      const ids = [a!, b!].map((r) => {
        expect(r.code).toBe(0);
        const out = JSON.parse(r.stdout) as { workflowId: string; started: boolean };
        expect(out.started).toBe(true);
        started.push(out.workflowId);
        return out.workflowId;
      });
      expect(ids[0]).not.toBe(ids[1]);
    },
    TIMEOUT,
  );
});
