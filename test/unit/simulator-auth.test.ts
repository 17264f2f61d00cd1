/** IAM tokens, X-Auth-Token and AK/SK signatures, and the project check, over real HTTP. */
import type { Simulator } from '../../src/simulator/index.js';
import { AK, call, signedCall, startTestSimulator, type Json } from '../simulator/support.js';

const USER = { name: 'alice', password: 'alice-password-1', domainName: 'acme', projectName: 'eu-de' };
let sim: Simulator;
let datasetId: string;
beforeAll(async () => {
  sim = await startTestSimulator({ users: [USER], tokenTtlMs: 60 * 60_000 });
  datasetId = sim.createDataset({ dataset_name: 'auth' }).dataset_id;
});
afterAll(() => sim.close());

const passwordBody = (overrides: { name?: string; password?: string; domain?: string; scope?: unknown } = {}) => ({
  auth: {
    identity: {
      methods: ['password'],
      password: {
        user: {
          name: overrides.name ?? USER.name,
          password: overrides.password ?? USER.password,
          domain: { name: overrides.domain ?? USER.domainName },
        },
      },
    },
    ...(overrides.scope === null ? {} : { scope: overrides.scope ?? { project: { name: 'eu-de' } } }),
  },
});

async function iamToken(
  body: unknown,
  query = '',
): Promise<{ status: number; token: string | null; body: Json; text: string; requestId: string | null }> {
  const response = await fetch(`${sim.iamUrl}/auth/tokens${query}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json;charset=utf8' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    token: response.headers.get('x-subject-token'),
    body: JSON.parse(text),
    text,
    requestId: response.headers.get('x-request-id'),
  };
}

describe('IAM', () => {
  it('issues a project-scoped token: 201, X-Subject-Token, body per the IAM docs', async () => {
    expect(sim.iamUrl).toBe(`${sim.url}/v3`);
    const answer = await iamToken(passwordBody());
    expect(answer.status).toBe(201);
    expect(answer.token).toMatch(/^MII/);
    expect(answer.requestId).toMatch(/^[0-9a-f]{32}$/);
    const t = answer.body.token;
    expect(t.expires_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(t.issued_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(Date.parse(t.expires_at) - Date.parse(t.issued_at)).toBe(60 * 60_000);
    expect(t.methods).toEqual(['password']);
    expect(t.project).toMatchObject({ id: sim.projectId, name: 'eu-de', domain: { name: 'acme' } });
    expect(t.user).toMatchObject({ name: 'alice', domain: { name: 'acme' } });
    expect(t.roles.length).toBeGreaterThan(0);
    expect(t.catalog.find((s: { type: string }) => s.type === 'modelarts').endpoints[0].url).toBe(
      `${sim.url}/v2/${sim.projectId}`,
    );
    const works = await call(sim, 'GET', `/datasets/${datasetId}`, { token: answer.token });
    expect(works.status).toBe(200);
  });

  it('omits the catalog with ?nocatalog=true', async () => {
    const answer = await iamToken(passwordBody(), '?nocatalog=true');
    expect(answer.status).toBe(201);
    expect(answer.body.token).not.toHaveProperty('catalog');
  });

  it.each([
    ['a wrong password', { password: 'nope' }],
    ['an unknown user', { name: 'mallory' }],
    ['a wrong domain', { domain: 'other' }],
  ])('answers %s with 401 and an IAM-style error body', async (_, overrides) => {
    const answer = await iamToken(passwordBody(overrides));
    expect(answer.status).toBe(401);
    expect(answer.token).toBeNull();
    expect(answer.body).toEqual({
      error: { code: 401, message: 'The username or password is wrong.', title: 'Unauthorized' },
    });
  });

  it('refuses a project the user is not in', async () => {
    expect((await iamToken(passwordBody({ scope: { project: { name: 'eu-nl' } } }))).status).toBe(401);
  });

  it('a token without project scope is refused by ModelArts with 400 ModelArts.0204', async () => {
    const answer = await iamToken(passwordBody({ scope: null }));
    expect(answer.status).toBe(201);
    expect(answer.body.token).not.toHaveProperty('project');
    const call1 = await call(sim, 'GET', `/datasets/${datasetId}`, { token: answer.token });
    expect(call1.status).toBe(400);
    expect(call1.body).toEqual({ error_code: 'ModelArts.0204', error_msg: 'Token must contain projectId info.' });
  });
});

describe('X-Auth-Token', () => {
  it('rejects unknown tokens with 401 ModelArts.4201 and expired ones with 401 ModelArts.4127', async () => {
    const unknown = await call(sim, 'GET', `/datasets/${datasetId}`, { token: 'MIIforged' });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual({ error_code: 'ModelArts.4201', error_msg: 'Invalid token.' });

    const shortLived = sim.issueToken(150);
    expect((await call(sim, 'GET', `/datasets/${datasetId}`, { token: shortLived })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    const expired = await call(sim, 'GET', `/datasets/${datasetId}`, { token: shortLived });
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({ error_code: 'ModelArts.4127', error_msg: 'Token authentication expired.' });
  });

  it('expireTokens() expires every issued token (IAM or minted) but not static ones', async () => {
    const fromIam = (await iamToken(passwordBody())).token!;
    const minted = sim.issueToken();
    sim.expireTokens();
    for (const token of [fromIam, minted])
      expect((await call(sim, 'GET', `/datasets/${datasetId}`, { token })).body.error_code).toBe('ModelArts.4127');
    expect((await call(sim, 'GET', `/datasets/${datasetId}`)).status).toBe(200); // the static token
    const fresh = (await iamToken(passwordBody())).token!;
    expect((await call(sim, 'GET', `/datasets/${datasetId}`, { token: fresh })).status).toBe(200);
  });

  it('without any credentials: 401 APIG.0301 with request_id', async () => {
    const answer = await call(sim, 'GET', `/datasets/${datasetId}`, { token: null });
    expect(answer.status).toBe(401);
    expect(answer.body.error_code).toBe('APIG.0301');
    expect(answer.body.request_id).toBe(answer.headers.get('x-request-id'));
  });

  it('a project id in the URL other than the token project: 403 ModelArts.0210', async () => {
    const answer = await call(sim, 'GET', `/v2/0000000000000000000000000000ffff/datasets/${datasetId}`);
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({
      error_code: 'ModelArts.0210',
      error_msg: 'The project id in the request URL does not match the token.',
    });
  });
});

describe('AK/SK', () => {
  it('accepts a correctly signed GET (with query) and POST (with body)', async () => {
    const get = await signedCall(sim, 'GET', `/datasets/${datasetId}/export-tasks?limit=5&offset=0`);
    expect(get.status).toBe(200);
    const post = await signedCall(
      sim,
      'POST',
      `/datasets/${datasetId}/export-tasks`,
      { path: '/bkt/out/' },
      { projectHeader: sim.projectId },
    );
    expect(post.status).toBe(200);
    expect(post.body.task_id).toMatch(/^[0-9A-Za-z]{19}$/);
  });

  it('rejects a wrong secret or a changed body with 401 APIG.0301 "verify aksk signature fail"', async () => {
    const expected = {
      error_code: 'APIG.0301',
      error_msg: 'Incorrect IAM authentication information: verify aksk signature fail',
    };
    const wrongKey = await signedCall(sim, 'GET', `/datasets/${datasetId}`, undefined, { secretKey: 'not-the-secret' });
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.body).toMatchObject(expected);
    expect(wrongKey.body.request_id).toMatch(/^[0-9a-f]{32}$/);
    const tampered = await signedCall(
      sim,
      'POST',
      `/datasets/${datasetId}/export-tasks`,
      { path: '/bkt/out/' },
      { tamperBody: '{"path":"/bkt/other/"}' },
    );
    expect(tampered.status).toBe(401);
    expect(tampered.body).toMatchObject(expected);
  });

  it('rejects an unknown access key with 401 APIG.0301', async () => {
    const answer = await signedCall(sim, 'GET', `/datasets/${datasetId}`, undefined, {
      accessKey: 'UNKNOWNACCESSKEY0000',
    });
    expect(answer.status).toBe(401);
    expect(answer.body.error_code).toBe('APIG.0301');
    expect(answer.body.error_msg).toContain('ak not exist');
  });

  it('rejects an X-Sdk-Date more than 15 minutes off with 401 APIG.0303, accepts 14 minutes', async () => {
    const skewed = await signedCall(sim, 'GET', `/datasets/${datasetId}`, undefined, {
      date: new Date(Date.now() - 16 * 60_000),
    });
    expect(skewed.status).toBe(401);
    expect(skewed.body.error_code).toBe('APIG.0303');
    expect(skewed.body.error_msg).toContain('signature expired');
    const ahead = await signedCall(sim, 'GET', `/datasets/${datasetId}`, undefined, {
      date: new Date(Date.now() + 16 * 60_000),
    });
    expect(ahead.body.error_code).toBe('APIG.0303');
    const fine = await signedCall(sim, 'GET', `/datasets/${datasetId}`, undefined, {
      date: new Date(Date.now() - 14 * 60_000),
    });
    expect(fine.status).toBe(200);
  });

  it('an X-Project-Id other than the URL project: 400 ModelArts.0210', async () => {
    const answer = await signedCall(sim, 'GET', `/datasets/${datasetId}`, undefined, {
      projectHeader: 'ffff0000000000000000000000000000',
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error_code: 'ModelArts.0210', error_msg: 'Invalid project ID.' });
    const otherUrl = await signedCall(sim, 'GET', `/v2/ffff0000000000000000000000000000/datasets/${datasetId}`);
    expect(otherUrl.body.error_code).toBe('ModelArts.0210');
  });

  it('counts authentication failures', () => {
    expect(sim.counters().total.authFailures).toBeGreaterThan(5);
  });
});

it('requireAuth: false lets anonymous calls in (the project id still has to match)', async () => {
  const open = await startTestSimulator({ requireAuth: false });
  try {
    const ds = open.createDataset({ dataset_name: 'open' });
    expect((await call(open, 'GET', `/datasets/${ds.dataset_id}`, { token: null })).status).toBe(200);
    expect((await call(open, 'GET', `/v2/other/datasets/${ds.dataset_id}`, { token: null })).body.error_code).toBe(
      'ModelArts.0210',
    );
  } finally {
    await open.close();
  }
});

it('temporary AK/SK needs its X-Security-Token', async () => {
  const temp = await startTestSimulator({
    credentials: [{ accessKey: AK, secretKey: 'temp-secret', securityToken: 'sts-token' }],
  });
  try {
    const ds = temp.createDataset({ dataset_name: 'sts' });
    const without = await signedCall(temp, 'GET', `/datasets/${ds.dataset_id}`, undefined, {
      secretKey: 'temp-secret',
    });
    expect(without.body.error_code).toBe('APIG.0301');
    const withToken = await signedCall(temp, 'GET', `/datasets/${ds.dataset_id}`, undefined, {
      secretKey: 'temp-secret',
      extraHeaders: { 'X-Security-Token': 'sts-token' },
    });
    expect(withToken.status).toBe(200);
  } finally {
    await temp.close();
  }
});
