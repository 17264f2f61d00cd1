/**
 * The simulator's admin API mints valid tokens and sets faults, so it checks who calls (src/simulator/admin-gate.ts):
 * a web page reaching loopback through DNS rebinding sends a foreign Host, and a cross-site form cannot send JSON.
 */
import { request } from 'node:http';
import { startSimulator } from '../../src/simulator/index.js';
import type { Simulator } from '../../src/simulator/types.js';

interface Answer {
  status: number;
  body: { error_code?: string; error_msg?: string; token?: string };
}

/** node:http, not fetch: fetch does not let a caller set Host, and a rebound page's browser does. */
function call(sim: Simulator, method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(`${sim.url}${path}`, { method, headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const json = { 'content-type': 'application/json' };

describe('without an admin token', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  it('refuses a Host that is not this machine (DNS rebinding), for reads and writes', async () => {
    for (const [method, path] of [
      ['GET', '/_sim/counters'],
      ['POST', '/_sim/tokens'],
    ] as const) {
      const answer = await call(
        sim,
        method,
        path,
        { ...json, host: 'attacker.example:8090' },
        method === 'GET' ? undefined : '{}',
      );
      expect(answer).toMatchObject({ status: 403, body: { error_code: 'SIM.403' } });
      expect(answer.body.token).toBeUndefined();
    }
  });

  it('refuses writes that are not JSON (a cross-site form sends text/plain)', async () => {
    const answer = await call(sim, 'POST', '/_sim/tokens', { 'content-type': 'text/plain' }, '{}');
    expect(answer).toMatchObject({ status: 415, body: { error_code: 'SIM.415' } });
    const faults = await call(sim, 'PUT', '/_sim/faults', {}, '{"throttleRate":1}');
    expect(faults.status).toBe(415);
    expect((await call(sim, 'GET', '/_sim/faults', {})).body).toEqual({});
  });

  it('serves loopback callers that send JSON', async () => {
    for (const host of ['127.0.0.1:8090', 'localhost', '[::1]:1'])
      expect((await call(sim, 'GET', '/_sim/health', { host })).status).toBe(200);
    const minted = await call(sim, 'POST', '/_sim/tokens', json, '{}');
    expect(minted.status).toBe(201);
    expect(minted.body.token).toEqual(expect.any(String));
  });
});

describe('with an admin token', () => {
  const adminToken = 'admin-token-for-tests-0001';
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ adminToken });
  });
  afterAll(() => sim.close());

  it('serves only callers that carry it, whatever their Host', async () => {
    expect((await call(sim, 'GET', '/_sim/counters', {})).status).toBe(401);
    expect((await call(sim, 'GET', '/_sim/counters', { authorization: 'Bearer wrong' })).status).toBe(401);
    const ok = await call(sim, 'GET', '/_sim/health', {
      authorization: `Bearer ${adminToken}`,
      host: 'simulator:8090',
    });
    expect(ok.status).toBe(200);
  });
});

it('will not listen beyond loopback without an admin token', async () => {
  await expect(startSimulator({ host: '0.0.0.0' })).rejects.toThrow(/MODELARTS_SIMULATOR_ADMIN_TOKEN/);
});
