/**
 * The request budget's mechanics on small sizes, on the real dev server and simulator with the real worker: a
 * queue limit set through the API bounds the fleet's reads, a small tenant is not queued behind a big one, an
 * interactive run goes ahead of a backlog, and the kill switch stops all ModelArts traffic and resumes it with no
 * run failing. The figures (rates, delays, times to take effect) belong to `npm run bench -- --only budget`.
 */
import { awaitRun, startRun } from '../../src/client/runs.js';
import { describeBudget, pauseBudget, resumeBudget, setBudget, type BudgetTarget } from '../../src/client/budget.js';
import type { LoggedRequest } from '../../src/simulator/api-limits.js';
import { createHarness, eventually, FAST_POLICY, type Harness } from '../support/harness.js';

const READ = 'GET export-tasks/{taskId}';
const CREATE = 'POST export-tasks';

let h: Harness;
let target: BudgetTarget;
beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
  target = { connection: h.client.connection, namespace: h.client.options.namespace, taskQueue: h.taskQueue };
});
afterAll(async () => {
  if (target) await resumeBudget(target).catch(() => undefined);
  await h?.close();
});

const spec = (datasetId: string, extra: object = {}) => ({
  steps: [{ kind: 'export', datasetId, request: { path: '/bucket/budget/' } }],
  wait: { policy: FAST_POLICY, deadline: '5m' },
  ...extra,
});

function datasets(prefix: string, n: number, durationMs: number) {
  return Array.from({ length: n }, (_, i) => {
    const d = h.sim.createDataset({ dataset_name: `${prefix}-${i}` });
    h.sim.setBehavior(d.dataset_id, { durationMs, progress: 'linear' });
    return d.dataset_id;
  });
}

const requestsOn = (ids: string[], api?: string): LoggedRequest[] =>
  h.sim.requests().filter((r) => r.datasetId !== undefined && ids.includes(r.datasetId) && (!api || r.api === api));

async function runAll(specs: object[]) {
  const started = [];
  for (const s of specs) started.push(await startRun(h.client, s, { taskQueue: h.taskQueue }));
  return started;
}

async function expectAllSucceeded(started: { workflowId: string }[]) {
  const outcomes = await Promise.all(started.map((s) => awaitRun(h.client, s.workflowId)));
  expect(outcomes.map((o) => o.outcome)).toEqual(started.map(() => 'succeeded'));
  return outcomes;
}

it('applies a queue limit set at runtime to the whole fleet', async () => {
  const [reads] = await setBudget(target, { budgetClass: 'reads', rps: 1 });
  expect(reads).toMatchObject({ budgetClass: 'reads', rps: 1, source: 'api', effectiveRps: 1, paused: false });
  const ids = datasets('limited', 5, 6000);
  try {
    // Five runs that would each read up to 10 times a second (FAST_POLICY): far over 1 read/s together.
    await expectAllSucceeded(await runAll(ids.map((id) => spec(id))));
    const times = requestsOn(ids, READ).map((r) => r.atMs);
    // In any 5 s window: 5 at 1/s, plus the limiter's small burst. Without the limit it would be several times that.
    const busiest = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 5000).length));
    expect(busiest).toBeLessThanOrEqual(5 + 3);
    expect(times.length).toBeGreaterThanOrEqual(ids.length);
  } finally {
    await setBudget(target, { budgetClass: 'reads' });
  }
});

it('dispatches a small tenant and an interactive run ahead of a big backlog', async () => {
  // Held by the kill switch while the backlog builds, so the order of dispatch is the queue's, not the start order.
  await pauseBudget(target);
  await setBudget(target, { budgetClass: 'writes', rps: 1 });
  const big = datasets('big', 6, 500);
  const [small] = datasets('small', 1, 500);
  const [urgent] = datasets('urgent', 1, 500);
  const all = [...big, small!, urgent!];
  const started = await runAll([
    ...big.map((id) => spec(id, { tenant: 'big', origin: 'schedule' })),
    spec(small!, { tenant: 'small', origin: 'schedule' }),
    spec(urgent!, { tenant: 'big', origin: 'interactive' }),
  ]);
  await eventually(async () => {
    const [, writes] = await describeBudget(target);
    return (writes?.backlog ?? 0) >= all.length || undefined;
  });
  const [reads, writes] = await describeBudget(target);
  expect(reads?.paused && writes?.paused).toBe(true);
  expect(writes?.rps).toBe(0);
  // A change while paused is kept for the resume, not applied.
  expect(writes?.resumeRps).toBe(1);
  expect(requestsOn(all)).toEqual([]);

  const resumed = await resumeBudget(target);
  expect(resumed.find((b) => b.budgetClass === 'writes')).toMatchObject({ paused: false, rps: 1 });
  await expectAllSucceeded(started);

  const order = requestsOn(all, CREATE).map((r) => r.datasetId);
  expect(order).toHaveLength(all.length);
  // Priority: the interactive run first. Fairness: the small tenant next, not behind the big tenant's six.
  expect(order[0]).toBe(urgent);
  expect(order.indexOf(small!)).toBeLessThanOrEqual(2);
  await setBudget(target, { budgetClass: 'writes' });
});

it('stops all ModelArts traffic with the kill switch and resumes it without failing a run', async () => {
  const ids = datasets('paused', 3, 15_000);
  const started = await runAll(ids.map((id) => spec(id)));
  await eventually(() => requestsOn(ids, READ).length >= 3 || undefined);
  const [reads] = await pauseBudget(target, 'all');
  expect(reads?.paused).toBe(true);
  const pausedAt = Date.now();
  // A read dispatched just before the pause may still reach ModelArts; nothing after that.
  await new Promise((r) => setTimeout(r, 6000));
  const during = requestsOn(ids).filter((r) => r.atMs > pausedAt + 3000);
  expect(during).toEqual([]);
  const resumedAt = Date.now();
  await resumeBudget(target, 'all');
  await expectAllSucceeded(started);
  expect(requestsOn(ids, READ).filter((r) => r.atMs >= resumedAt).length).toBeGreaterThan(0);
});
