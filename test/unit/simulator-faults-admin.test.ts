/** Fault injection, counters, determinism, the /_sim admin API and the runnable entry. */
import { runSimulator, type Simulator } from '../../src/simulator/index.js';
import { stringify } from '../../src/simulator/json.js';
import { shapeProgress } from '../../src/simulator/timeline.js';
import { call, seedDataset, startTestSimulator, STATIC_TOKEN } from '../simulator/support.js';

let sim: Simulator;
let datasetId: string;
let taskId: string;
beforeAll(async () => {
  sim = await startTestSimulator();
  datasetId = seedDataset(sim, 'faults').dataset_id;
  taskId = (await call(sim, 'POST', `/datasets/${datasetId}/export-tasks`, { body: { path: '/bkt/out/' } })).body
    .task_id;
});
afterAll(() => sim.close());
afterEach(() => sim.setFaults({}));

const status = () => call(sim, 'GET', `/datasets/${datasetId}/export-tasks/${taskId}`);
const list = () => call(sim, 'GET', `/datasets/${datasetId}/export-tasks`);

describe('faults', () => {
  it('throttles with 429 ModelArts.4206 and Retry-After', async () => {
    sim.setFaults({ throttleRate: 1, retryAfterSeconds: 3 });
    const answer = await status();
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('3');
    expect(answer.body.error_code).toBe('ModelArts.4206');
    expect(answer.body.error_msg).toMatch(/^Excessive number of requests to \/v2\//);
  });

  it('throttles as the gateway with 429 APIG.0308 and a request_id', async () => {
    sim.setFaults({ throttleRate: 1, throttleCode: 'APIG.0308' });
    const answer = await status();
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBeNull();
    expect(answer.body).toMatchObject({ error_code: 'APIG.0308', request_id: answer.headers.get('x-request-id') });
    expect(answer.body.error_msg).toContain('The throttling threshold has been reached');
  });

  it('answers server errors as 500 ModelArts.0010 or 503 ModelArts.4700', async () => {
    sim.setFaults({ serverErrorRate: 1 });
    const answers = await Promise.all(Array.from({ length: 20 }, () => status()));
    const kinds = new Set(answers.map((a) => `${a.status} ${a.body.error_code}`));
    expect([...kinds].sort()).toEqual(['500 ModelArts.0010', '503 ModelArts.4700']);
    expect(answers[0]!.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('drops the connection; by default after the request took effect', async () => {
    const before = sim.counters().byDataset[datasetId]!.exportCreates;
    sim.setFaults({ dropRate: 1 });
    await expect(
      call(sim, 'POST', `/datasets/${datasetId}/export-tasks`, { body: { path: '/bkt/dropped/' } }),
    ).rejects.toThrow();
    sim.setFaults({});
    expect(sim.counters().byDataset[datasetId]!.exportCreates).toBe(before + 1);
    expect((await list()).body.export_tasks[0].path).toBe('/bkt/dropped/');
    sim.setFaults({ dropRate: 1, dropPhase: 'before' });
    await expect(
      call(sim, 'POST', `/datasets/${datasetId}/export-tasks`, { body: { path: '/bkt/never/' } }),
    ).rejects.toThrow();
    sim.setFaults({});
    expect(sim.counters().byDataset[datasetId]!.exportCreates).toBe(before + 1);
    expect(sim.counters().faultsInjected.dropped).toBe(2);
  });

  it('slows answers but still answers correctly', async () => {
    sim.setFaults({ slowRate: 1, slowMs: 50 });
    const answer = await status();
    expect(answer.status).toBe(200);
    expect(sim.counters().faultsInjected.slowed).toBeGreaterThanOrEqual(1);
  });

  it('limits requests per minute per project with 429 ModelArts.4206 and a computed Retry-After', async () => {
    sim.setFaults({ rpmLimit: 3 });
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await status());
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429, 429]);
    const retryAfter = Number(answers[3]!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(sim.counters().faultsInjected.rpmLimited).toBe(2);
  });

  it("onlyPaths 'status' hits single-resource GETs only", async () => {
    sim.setFaults({ throttleRate: 1, onlyPaths: 'status' });
    expect((await status()).status).toBe(429);
    expect((await list()).status).toBe(200);
    expect((await call(sim, 'GET', `/datasets/${datasetId}`)).status).toBe(200);
  });

  it('holds a create answer while the create takes effect', async () => {
    sim.setFaults({ holdCreateAnswerMs: 60_000 });
    const controller = new AbortController();
    const pending = fetch(`${sim.url}/v2/${sim.projectId}/datasets/${datasetId}/export-tasks`, {
      method: 'POST',
      headers: { 'X-Auth-Token': STATIC_TOKEN, 'Content-Type': 'application/json' },
      body: JSON.stringify({ path: '/bkt/held/' }),
      signal: controller.signal,
    });
    for (let i = 0; i < 100 && (await list()).body.export_tasks[0].path !== '/bkt/held/'; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect((await list()).body.export_tasks[0].path).toBe('/bkt/held/');
    controller.abort();
    await expect(pending).rejects.toThrow();
    expect(sim.counters().faultsInjected.held).toBe(1);
  });

  it('is deterministic for a seed', async () => {
    const pattern = async () => {
      const s = await startTestSimulator({ seed: 7, faults: { throttleRate: 0.3, serverErrorRate: 0.3 } });
      try {
        const ds = s.createDataset({ dataset_name: 'seeded' });
        const statuses = [];
        for (let i = 0; i < 30; i++) statuses.push((await call(s, 'GET', `/datasets/${ds.dataset_id}`)).status);
        return { id: ds.dataset_id, statuses };
      } finally {
        await s.close();
      }
    };
    const [a, b] = [await pattern(), await pattern()];
    expect(a).toEqual(b);
    expect(new Set(a.statuses).size).toBeGreaterThan(1);
  });
});

describe('counters', () => {
  it('counts per dataset, per task and in total; faulted requests do not count as operations', async () => {
    const s = await startTestSimulator();
    try {
      const ds = seedDataset(s, 'counted');
      const id = (await call(s, 'POST', `/datasets/${ds.dataset_id}/export-tasks`, { body: { path: '/bkt/out/' } }))
        .body.task_id;
      for (let i = 0; i < 3; i++) await call(s, 'GET', `/datasets/${ds.dataset_id}/export-tasks/${id}`);
      await call(s, 'GET', `/datasets/${ds.dataset_id}/export-tasks`);
      await call(s, 'GET', `/datasets/${ds.dataset_id}/tasks`);
      s.setFaults({ throttleRate: 1 });
      await call(s, 'GET', `/datasets/${ds.dataset_id}/export-tasks/${id}`);
      s.setFaults({});
      const c = s.counters();
      expect(c.byDataset[ds.dataset_id]).toMatchObject({
        exportCreates: 1,
        exportStatusReads: 3,
        exportLists: 1,
        taskLists: 1,
        lists: 2,
        taskStarts: 0,
      });
      expect(c.byTask[id]).toEqual({ statusReads: 3, stops: 0 });
      expect(c.total).toMatchObject({ requests: 7, exportCreates: 1, exportStatusReads: 3, errors: 1 });
      expect(c.faultsInjected.throttled).toBe(1);
      // A snapshot, not a live view.
      c.total.requests = 0;
      expect(s.counters().total.requests).toBe(7);
    } finally {
      await s.close();
    }
  });
});

describe('admin API', () => {
  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sim.url}/_sim/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? JSON.parse(text) : undefined,
      requestId: response.headers.get('x-request-id'),
    };
  };

  it('GET /_sim/health and /_sim/counters', async () => {
    const health = await admin('GET', 'health');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', project_id: sim.projectId } });
    expect(health.requestId).toMatch(/^[0-9a-f]{32}$/);
    const counters = await admin('GET', 'counters');
    expect(counters.body.byDataset[datasetId].exportCreates).toBeGreaterThanOrEqual(1);
  });

  it('PUT /_sim/faults sets faults and rejects unknown knobs', async () => {
    expect((await admin('PUT', 'faults', { throttleRate: 1, onlyPaths: 'status' })).status).toBe(200);
    expect((await status()).status).toBe(429);
    expect((await admin('PUT', 'faults', {})).body).toEqual({});
    expect((await status()).status).toBe(200);
    expect((await admin('PUT', 'faults', { throttleRate: 2 })).status).toBe(400);
    expect((await admin('PUT', 'faults', { chaos: true })).status).toBe(400);
  });

  it('PUT /_sim/faults sets answer faults: fields in the answer, on status reads only, and checks their values', async () => {
    const fields = { answerFields: { progress: 'abc' }, onlyPaths: 'status' };
    expect((await admin('PUT', 'faults', fields)).body).toEqual(fields);
    const read = await status();
    expect([read.status, read.body.progress, read.body.task_id]).toEqual([200, 'abc', taskId]);
    expect((await list()).body.export_tasks[0].progress).not.toBe('abc');
    // At rate 0 nothing changes.
    await admin('PUT', 'faults', { ...fields, answerFaultRate: 0 });
    expect(typeof (await status()).body.progress).toBe('number');
    const more = { answerBody: 'html', hugeAnswerBytes: 20_000_000, errorMsgBytes: 3_000_000, answerFaultRate: 0.5 };
    expect((await admin('PUT', 'faults', more)).status).toBe(200);
    for (const bad of [{ answerBody: 'xml' }, { hugeAnswerBytes: 0 }, { errorMsgBytes: -1 }, { answerFields: [] }]) {
      expect((await admin('PUT', 'faults', bad)).status).toBe(400);
    }
  });

  it('POST /_sim/datasets, PUT behavior, POST next-behavior', async () => {
    const created = await admin('POST', 'datasets', {
      dataset_name: 'admin-made',
      total_sample_count: 10,
      annotated_sample_count: 4,
      labels: [{ name: 'x', type: 0 }],
    });
    expect(created.status).toBe(201);
    const id = created.body.dataset_id;
    expect((await call(sim, 'GET', `/datasets?search_content=admin-made`)).body.total_number).toBe(1);
    expect((await admin('POST', 'datasets', { dataset_name: 'admin-made' })).status).toBe(400);

    expect((await admin('PUT', `datasets/${id}/behavior`, { durationMs: 50, queuedMs: 0 })).status).toBe(200);
    expect(
      (
        await admin('POST', `datasets/${id}/next-behavior`, {
          durationMs: 50,
          queuedMs: 0,
          fail: { error_code: 'ModelArts.4401', error_msg: 'Failed to export data.' },
        })
      ).status,
    ).toBe(200);
    const first = (await call(sim, 'POST', `/datasets/${id}/export-tasks`, { body: { path: '/bkt/a/' } })).body.task_id;
    const second = (await call(sim, 'POST', `/datasets/${id}/export-tasks`, { body: { path: '/bkt/b/' } })).body
      .task_id;
    await new Promise((r) => setTimeout(r, 100));
    expect((await call(sim, 'GET', `/datasets/${id}/export-tasks/${first}`)).body.status).toBe('FAILED');
    expect((await call(sim, 'GET', `/datasets/${id}/export-tasks/${second}`)).body.status).toBe('SUCCESSED');
    expect((await admin('PUT', 'datasets/unknown/behavior', { durationMs: 1 })).status).toBe(404);
    expect((await admin('PUT', `datasets/${id}/behavior`, { progress: 'zigzag' })).status).toBe(400);
  });

  it('POST /_sim/tokens mints a token; POST /_sim/tokens/expire expires it', async () => {
    const minted = await admin('POST', 'tokens', {});
    expect(minted.status).toBe(201);
    expect(minted.body.expires_at).toBeGreaterThan(Date.now());
    expect((await call(sim, 'GET', `/datasets/${datasetId}`, { token: minted.body.token })).status).toBe(200);
    expect((await admin('POST', 'tokens/expire')).status).toBe(204);
    expect((await call(sim, 'GET', `/datasets/${datasetId}`, { token: minted.body.token })).body.error_code).toBe(
      'ModelArts.4127',
    );
  });

  it('answers unknown admin routes with 404', async () => {
    expect((await admin('GET', 'nothing')).status).toBe(404);
  });
});

describe('building blocks', () => {
  it('prints floats with a decimal point only for the float fields', () => {
    expect(stringify({ progress: 100, train_sample_ratio: 1, count: 100, nested: [{ progress: 12.5 }] })).toBe(
      '{"progress":100.0,"train_sample_ratio":1.0,"count":100,"nested":[{"progress":12.5}]}',
    );
  });

  it('shapes progress and never reports 100 while running', () => {
    expect(shapeProgress('linear', 0.5, 4)).toBe(50);
    expect(shapeProgress('linear', 0.99999, 4)).toBeLessThan(100);
    expect([0.1, 0.3, 0.6, 0.9].map((f) => shapeProgress('stepwise', f, 4))).toEqual([0, 25, 50, 75]);
    // Whole-percent steps are whole: 29 %, 57 % and 58 % once read 28.99, 56.99 and 57.99 (float rounding), which
    // told the polling policy that progress moves in 0.01 % steps.
    const steps = Array.from({ length: 99 }, (_, i) => shapeProgress('stepwise', (i + 1 + 1e-9) / 100, 100));
    expect(steps).toEqual(Array.from({ length: 99 }, (_, i) => i + 1));
    expect([0.1, 0.5, 0.99].map((f) => shapeProgress('stalled-then-jump', f, 4))).toEqual([10, 30, 30]);
    expect(shapeProgress('none', 0.9, 4)).toBe(0);
  });
});

it('runSimulator starts with demo datasets and prints one JSON line with what a client needs', async () => {
  const lines: string[] = [];
  const demo = await runSimulator({ port: 0, print: (line) => lines.push(line), handleSignals: false });
  try {
    expect(lines).toHaveLength(1);
    const info = JSON.parse(lines[0]!);
    expect(info).toMatchObject({ url: demo.url, iamUrl: demo.iamUrl, projectId: demo.projectId });
    const datasets = await call(demo, 'GET', '/datasets', { token: info.token });
    expect(datasets.body.datasets.map((d: { dataset_name: string }) => d.dataset_name).sort()).toEqual([
      'demo-detection',
      'demo-images',
      'demo-text',
    ]);
    const images = datasets.body.datasets.find((d: { dataset_name: string }) => d.dataset_name === 'demo-images');
    expect(images.labels.length).toBeGreaterThan(0);
    expect(images.total_sample_count).toBeGreaterThan(images.annotated_sample_count);
    // The demo datasets can run auto labeling out of the box.
    expect(
      (
        await call(demo, 'POST', `/datasets/${images.dataset_id}/tasks`, {
          token: info.token,
          body: { task_type: 'auto-label' },
        })
      ).status,
    ).toBe(200);
  } finally {
    await demo.close();
  }
});
