/** The simulated gateway's per-project, per-API limits (src/simulator/api-limits.ts), directly and over HTTP. */
import { ApiLimiter } from '../../src/simulator/api-limits.js';
import type { Simulator } from '../../src/simulator/index.js';
import { call, seedDataset, startTestSimulator } from '../simulator/support.js';

describe('ApiLimiter', () => {
  let now = 0;
  const limiter = new ApiLimiter(() => now);
  const req = (api = 'GET export-tasks/{taskId}', projectId = 'p1') => ({ projectId, api, datasetId: 'd1' });

  beforeEach(() => {
    now = 1_000_000;
    limiter.clearLog();
  });

  it('allows perSecond requests in any second, per project and API, and says when to retry', () => {
    const limits = { perSecond: 2 };
    const l = new ApiLimiter(() => now);
    expect(l.check(limits, req())).toBeUndefined();
    now += 100;
    expect(l.check(limits, req())).toBeUndefined();
    now += 100;
    const third = l.check(limits, req());
    expect(third).toMatchObject({ status: 429, code: 'ModelArts.4206' });
    expect(third?.headers).toMatchObject({ 'Retry-After': '1' });
    // Another API and another project have windows of their own.
    expect(l.check(limits, req('GET export-tasks'))).toBeUndefined();
    expect(l.check(limits, req(undefined, 'p2'))).toBeUndefined();
    // The window slides: a second after the first request there is room again.
    now += 801;
    expect(l.check(limits, req())).toBeUndefined();
  });

  it('limits per minute too, with Retry-After until the minute has room, and the gateway code when asked', () => {
    const l = new ApiLimiter(() => now);
    const limits = { perSecond: 10, perMinute: 3, code: 'APIG.0308' as const };
    for (let i = 0; i < 3; i++) {
      expect(l.check(limits, req())).toBeUndefined();
      now += 1000;
    }
    const over = l.check(limits, req());
    expect(over).toMatchObject({ status: 429, code: 'APIG.0308' });
    expect(over?.message).toContain('limit:3,time:1 minute');
    expect(over?.headers).toMatchObject({ 'Retry-After': '57' });
  });

  it('counts only accepted requests and logs every decision', () => {
    const l = new ApiLimiter(() => now);
    const limits = { perSecond: 1 };
    l.check(limits, req());
    for (let i = 0; i < 5; i++) expect(l.check(limits, req())).toBeDefined();
    now += 1000;
    expect(l.check(limits, req())).toBeUndefined();
    expect(l.requests().map((r) => r.throttled)).toEqual([false, true, true, true, true, true, false]);
    expect(l.requests(now)).toHaveLength(1);
  });

  it('lets everything through without limits, and still logs', () => {
    for (let i = 0; i < 50; i++) expect(limiter.check(undefined, req())).toBeUndefined();
    expect(limiter.requests()).toHaveLength(50);
  });
});

describe('gateway limits over HTTP', () => {
  let sim: Simulator;
  let datasetId: string;
  beforeAll(async () => {
    sim = await startTestSimulator();
    datasetId = seedDataset(sim, 'limits').dataset_id;
  });
  afterAll(() => sim.close());
  afterEach(() => sim.setFaults({}));

  it('answers 429 ModelArts.4206 with Retry-After past the per-minute limit of one API', async () => {
    sim.setFaults({ apiLimit: { perMinute: 2 } });
    const list = () => call(sim, 'GET', `/datasets/${datasetId}/export-tasks`);
    expect((await list()).status).toBe(200);
    expect((await list()).status).toBe(200);
    const third = await list();
    expect(third.status).toBe(429);
    expect(third.body.error_code).toBe('ModelArts.4206');
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another API is not affected.
    expect((await call(sim, 'GET', `/datasets/${datasetId}`)).status).toBe(200);
    expect(sim.counters().faultsInjected.apiLimited).toBe(1);
    const logged = sim.requests().filter((r) => r.api === 'GET export-tasks');
    expect(logged.map((r) => r.throttled)).toEqual([false, false, true]);
    expect(logged[0]).toMatchObject({ datasetId, projectId: sim.projectId });
  });

  it('takes limits through the admin API and rejects bad ones', async () => {
    const put = (body: unknown) =>
      fetch(`${sim.url}/_sim/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as Record<string, unknown>,
      }));
    expect(await put({ apiLimit: { perSecond: 5, code: 'APIG.0308' } })).toMatchObject({
      status: 200,
      body: { apiLimit: { perSecond: 5, code: 'APIG.0308' } },
    });
    const bad = await put({ apiLimit: { perSecond: -1 } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('apiLimit.perSecond');
    const log = await fetch(`${sim.url}/_sim/requests`).then((r) => r.json() as Promise<unknown[]>);
    expect(Array.isArray(log)).toBe(true);
    expect((await fetch(`${sim.url}/_sim/requests`, { method: 'DELETE' })).status).toBe(204);
    expect(sim.requests()).toEqual([]);
  });
});
