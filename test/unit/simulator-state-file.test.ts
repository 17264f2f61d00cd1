/** The simulator's state file (`stateFile`): a task created before a restart is there after it, on the same clock. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StateFileError, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { call, pollUntil, sleep, startTestSimulator } from '../simulator/support.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sim-state-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const DATASET = { dataset_id: 'stateDs000000000001', dataset_name: 'state-ds' };
const EXPORTS = `/datasets/${DATASET.dataset_id}/export-tasks`;

/** The same options every time, the seed included: ids only differ after a restart because the file says where the stream stands. */
function start(stateFile: string, extra: SimulatorOptions = {}): Promise<Simulator> {
  return startTestSimulator({
    stateFile,
    datasets: [DATASET],
    defaults: { durationMs: 800, queuedMs: 0, progress: 'linear' },
    ...extra,
  });
}

async function createExport(sim: Simulator): Promise<string> {
  const answer = await call(sim, 'POST', EXPORTS, { body: { path: '/state-bucket/out/' } });
  expect(answer.status).toBe(200);
  return answer.body.task_id as string;
}

it('keeps tasks, datasets, the id sequence and the counters across a restart', async () => {
  const file = path.join(dir, 'simulator.json');
  const first = await start(file);
  const taskId = await createExport(first);
  // Written before the answer: a SIGKILL right after the create would not lose the task.
  expect(readFileSync(file, 'utf8')).toContain(taskId);
  const before = await call(first, 'GET', `${EXPORTS}/${taskId}`);
  expect(before.body).toMatchObject({ status: 'RUNNING' });
  await first.close();

  const second = await start(file);
  try {
    const after = await call(second, 'GET', `${EXPORTS}/${taskId}`);
    expect(after.status).toBe(200);
    expect(after.body.create_time).toBe(before.body.create_time);
    expect(after.body.progress).toBeGreaterThanOrEqual(before.body.progress);
    // The same timeline: done exactly durationMs after the create of the first simulator.
    const seen = await pollUntil(
      () => call(second, 'GET', `${EXPORTS}/${taskId}`).then((a) => a.body),
      (t) => t.status === 'SUCCESSED',
      50,
    );
    expect(seen.at(-1).update_time).toBe(before.body.create_time + 800);

    // Seeded once: the dataset is not added again.
    const list = await call(second, 'GET', `/datasets?search_content=${DATASET.dataset_name}`);
    expect(list.body.total_number).toBe(1);
    // Same seed, yet a new id: the stream went on from where the first simulator left it.
    const next = await createExport(second);
    expect(next).not.toBe(taskId);

    const counters = second.counters();
    expect(counters.byDataset[DATASET.dataset_id]).toMatchObject({ exportCreates: 2 });
    expect(counters.byTask[taskId]!.statusReads).toBe(2 + seen.length);
    expect(counters.total.exportCreates).toBe(2);
  } finally {
    await second.close();
  }
});

it('keeps the queued behaviour of the next task', async () => {
  const file = path.join(dir, 'simulator.json');
  const first = await start(file);
  first.queueBehavior(DATASET.dataset_id, { durationMs: 0, fail: { error_code: 'X.1', error_msg: 'planned' } });
  await first.close();
  const second = await start(file);
  try {
    const taskId = await createExport(second);
    const task = await call(second, 'GET', `${EXPORTS}/${taskId}`);
    expect(task.body).toMatchObject({ status: 'FAILED', error_code: 'X.1' });
  } finally {
    await second.close();
  }
});

it('stays in memory without a state file', async () => {
  const sim = await startTestSimulator({ datasets: [DATASET] });
  await createExport(sim);
  await sim.close();
  const again = await startTestSimulator({ datasets: [DATASET] });
  try {
    expect(again.counters().total.exportCreates).toBe(0);
  } finally {
    await again.close();
  }
});

describe('a state file it cannot use fails the start with one message naming it', () => {
  it.each([
    ['not JSON', '{"version":1,"ids":', /^the simulator state file (\S+) is not usable \(not JSON: /],
    ['another shape', '{"version":1,"datasets":[]}', /^the simulator state file (\S+) is not usable \(ids: /],
    ['another version', '{"version":2}', /^the simulator state file (\S+) is not usable \(version: /],
  ])('%s', async (_, content, message) => {
    const file = path.join(dir, 'simulator.json');
    writeFileSync(file, content);
    const error = await start(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateFileError);
    expect((error as Error).message).toMatch(message);
    expect(message.exec((error as Error).message)![1]).toBe(file);
    // Left as it was, for the user to look at.
    expect(readFileSync(file, 'utf8')).toBe(content);
  });

  it('unreadable', async () => {
    const file = path.join(dir, 'a-directory');
    mkdirSync(file);
    await expect(start(file)).rejects.toThrow(`cannot read the simulator state file ${file}: EISDIR`);
  });

  it('unwritable', async () => {
    const file = path.join(dir, 'missing', 'simulator.json');
    await expect(start(file)).rejects.toThrow(`cannot write the simulator state file ${file}: ENOENT`);
  });
});

it('a read is saved within a second, without waiting for the close', async () => {
  const file = path.join(dir, 'simulator.json');
  const sim = await start(file);
  try {
    const taskId = await createExport(sim);
    await call(sim, 'GET', `${EXPORTS}/${taskId}`);
    await sleep(1200);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved.counters.byTask[taskId]).toEqual({ statusReads: 1, stops: 0 });
  } finally {
    await sim.close();
  }
});
