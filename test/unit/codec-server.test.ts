/** The codec server over real HTTP: per-tenant tokens, own-tenant decoding, 401 / 403, CORS with preflight. */
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { SealedCodec, sealedBy } from '../../src/sealed/codec.js';
import { startCodecServer, type CodecServer } from '../../src/sealed/codec-server.js';
import { StaticKeySource, type TenantKeys } from '../../src/sealed/key-source.js';

const keys = new StaticKeySource(
  new Map<string, TenantKeys>([
    ['team-a', { current: 'a1', keys: new Map([['a1', randomBytes(32)]]) }],
    ['team-b', { current: 'b1', keys: new Map([['b1', randomBytes(32)]]) }],
  ]),
);
const TOKEN_A = 'token-of-team-a-0123456789abcdef';
const TOKEN_B = 'token-of-team-b-0123456789abcdef';
const TOKEN_C = 'token-of-team-c-0123456789abcdef'; // a tenant without keys
const tokens = new Map([
  [TOKEN_A, 'team-a'],
  [TOKEN_B, 'team-b'],
  [TOKEN_C, 'team-c'],
]);
const UI = 'http://127.0.0.1:8233';
const codec = new SealedCodec({ sealed: true, keys });

const json = (p: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});
const payload = (j: { metadata: Record<string, string>; data: string }): Payload => ({
  metadata: Object.fromEntries(Object.entries(j.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(j.data, 'base64'),
});
const sealedFor = async (tenant: string, value: unknown) =>
  (
    await codec.encode([defaultPayloadConverter.toPayload(value)], {
      type: 'workflow',
      namespace: 'n',
      workflowId: `${tenant}~r`,
    })
  )[0]!;

let server: CodecServer;
let noKeys: CodecServer;
beforeAll(async () => {
  server = await startCodecServer({ host: '127.0.0.1', port: 0, keys, tokens, corsOrigin: UI });
  noKeys = await startCodecServer({ host: '127.0.0.1', port: 0, tokens });
});
afterAll(async () => {
  await server.close();
  await noKeys.close();
});

async function post(base: string, path: string, body: unknown, token?: string, origin?: string) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Namespace': 'default',
      ...(token && { Authorization: `Bearer ${token}` }),
      ...(origin && { Origin: origin }),
    },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as { payloads?: ReturnType<typeof json>[]; error?: string },
  };
}

/** POST /login as the browser's sign-in form would, with this Origin (none when undefined). */
const signIn = (token: string, origin: string | undefined) =>
  fetch(`${server.url}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(origin && { Origin: origin }) },
    body: new URLSearchParams({ token }).toString(),
  });

it("decodes the caller's own tenant's payloads and passes every other one through still sealed", async () => {
  const mine = await sealedFor('team-a', { dataset: 'ds-a' });
  const theirs = await sealedFor('team-b', { dataset: 'ds-b' });
  const clear = defaultPayloadConverter.toPayload('clear');
  const res = await post(server.url, '/decode', { payloads: [mine, theirs, clear].map(json) }, TOKEN_A);
  expect(res.status).toBe(200);
  const [a, b, c] = res.body.payloads!.map(payload);
  expect(defaultPayloadConverter.fromPayload(a!)).toEqual({ dataset: 'ds-a' });
  expect(sealedBy(b!)).toEqual({ tenant: 'team-b', keyId: 'b1' });
  expect(Buffer.from(b!.data!).toString('latin1')).not.toContain('ds-b');
  expect(defaultPayloadConverter.fromPayload(c!)).toBe('clear');
  // Team B reads its own, not team A's.
  const resB = await post(server.url, '/decode', { payloads: [mine, theirs].map(json) }, TOKEN_B);
  const [a2, b2] = resB.body.payloads!.map(payload);
  expect(sealedBy(a2!)?.tenant).toBe('team-a');
  expect(defaultPayloadConverter.fromPayload(b2!)).toEqual({ dataset: 'ds-b' });
});

it("encodes with the caller's tenant's current key (what the workers read back)", async () => {
  const res = await post(
    server.url,
    '/encode',
    { payloads: [json(defaultPayloadConverter.toPayload({ x: 1 }))] },
    TOKEN_B,
  );
  expect(res.status).toBe(200);
  const sealed = payload(res.body.payloads![0]!);
  expect(sealedBy(sealed)).toEqual({ tenant: 'team-b', keyId: 'b1' });
  expect(defaultPayloadConverter.fromPayload((await codec.decode([sealed]))[0]!)).toEqual({ x: 1 });
});

it('decodes nothing without a valid token (401)', async () => {
  const mine = json(await sealedFor('team-a', { dataset: 'ds-a' }));
  for (const token of [undefined, 'wrong-token-wrong-token-wrong']) {
    const res = await post(server.url, '/decode', { payloads: [mine] }, token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(JSON.stringify(res.body)).not.toContain('ds-a');
  }
});

it('answers 403, not 500, without keys (none at all, or none for the caller to encode with)', async () => {
  const res = await post(noKeys.url, '/decode', { payloads: [] }, TOKEN_A);
  expect(res).toMatchObject({ status: 403, body: { error: expect.stringMatching(/no keys/) } });
  const enc = await post(server.url, '/encode', { payloads: [json(defaultPayloadConverter.toPayload(1))] }, TOKEN_C);
  expect(enc).toMatchObject({
    status: 403,
    body: { error: 'this codec server has no current key for tenant "team-c"' },
  });
});

it('answers bad requests with 400, 404 and 405', async () => {
  expect((await post(server.url, '/decode', { nope: 1 }, TOKEN_A)).status).toBe(400);
  expect((await post(server.url, '/decode', { payloads: [{ data: 5 }] }, TOKEN_A)).status).toBe(400);
  expect((await post(server.url, '/other', { payloads: [] }, TOKEN_A)).status).toBe(404);
  expect((await fetch(`${server.url}/decode`, { headers: { Authorization: `Bearer ${TOKEN_A}` } })).status).toBe(405);
});

it("allows the UI's origin, preflight included, with the X-Namespace header; not other origins", async () => {
  const preflight = await fetch(`${server.url}/decode`, {
    method: 'OPTIONS',
    headers: {
      Origin: UI,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type,x-namespace,authorization',
    },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe(UI);
  expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/);
  expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
  const res = await post(server.url, '/decode', { payloads: [] }, TOKEN_A, UI);
  expect(res.headers.get('access-control-allow-origin')).toBe(UI);
  const other = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { Origin: 'http://evil.example' } });
  expect(other.status).toBe(403);
  expect(other.headers.get('access-control-allow-origin')).toBeNull();
  const otherPost = await post(server.url, '/decode', { payloads: [] }, TOKEN_A, 'http://evil.example');
  expect(otherPost.headers.get('access-control-allow-origin')).toBeNull();
});

it('signs a browser in at /login: the HttpOnly cookie then decodes like the bearer token (the Temporal UI sends cookies)', async () => {
  // The browser posts the sign-in form from the codec server's own page: its Origin is the server's.
  const form = (token: string) => signIn(token, server.url);
  expect((await fetch(`${server.url}/login`)).status).toBe(200);
  const refused = await form('wrong-token-wrong-token-wrong');
  expect(refused.status).toBe(401);
  expect(refused.headers.get('set-cookie')).toBeNull();

  const signedIn = await form(TOKEN_A);
  expect(signedIn.status).toBe(200);
  expect(await signedIn.text()).toContain('tenant team-a');
  const cookie = signedIn.headers.get('set-cookie')!;
  expect(cookie).toMatch(/^modelarts_codec=.+; HttpOnly; SameSite=Strict; Path=\/$/);

  const mine = await sealedFor('team-a', { dataset: 'ds-a' });
  const theirs = await sealedFor('team-b', { dataset: 'ds-b' });
  const res = await fetch(`${server.url}/decode`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: cookie.split(';')[0]!, Origin: UI },
    body: JSON.stringify({ payloads: [mine, theirs].map(json) }),
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('access-control-allow-credentials')).toBe('true');
  const [a, b] = ((await res.json()) as { payloads: ReturnType<typeof json>[] }).payloads.map(payload);
  expect(defaultPayloadConverter.fromPayload(a!)).toEqual({ dataset: 'ds-a' });
  expect(sealedBy(b!)?.tenant).toBe('team-b');

  const stale = await post(server.url, '/decode', { payloads: [json(mine)] }, undefined);
  expect(stale.status).toBe(401);
  const badCookie = await fetch(`${server.url}/decode`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: 'modelarts_codec=not-a-token-not-a-token-xx', Origin: UI },
    body: JSON.stringify({ payloads: [json(mine)] }),
  });
  expect(badCookie.status).toBe(401);
});

describe('cross-site request forgery', () => {
  it('refuses a sign-in posted from a foreign origin or with no Origin (403, no cookie set)', async () => {
    for (const origin of ['http://evil.example', 'http://127.0.0.1:1', 'null', undefined]) {
      const res = await signIn(TOKEN_A, origin);
      expect(res.status).toBe(403);
      expect(res.headers.get('set-cookie')).toBeNull();
      expect(await res.text()).toMatch(/cross-site/);
    }
    // The UI's origin may post it too (a sign-in link or form of the UI's own).
    expect((await signIn(TOKEN_A, UI)).status).toBe(200);
  });

  it("refuses a cookie-authenticated decode or encode from any origin but the UI's, or with none (403)", async () => {
    const cookie = (await signIn(TOKEN_A, server.url)).headers.get('set-cookie')!.split(';')[0]!;
    const mine = json(await sealedFor('team-a', { dataset: 'ds-a' }));
    for (const path of ['/decode', '/encode'])
      for (const origin of ['http://evil.example', server.url, undefined]) {
        const res = await fetch(`${server.url}${path}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Cookie: cookie, ...(origin && { Origin: origin }) },
          body: JSON.stringify({ payloads: [mine] }),
        });
        expect(res.status).toBe(403);
        const text = await res.text();
        expect(text).toMatch(/must come from the Temporal UI's origin/);
        expect(text).not.toContain('ds-a');
      }
    // A bearer token is not sent by a browser on its own: callers with one (CLI, scripts) need no Origin.
    expect((await post(server.url, '/decode', { payloads: [mine] }, TOKEN_A)).status).toBe(200);
  });
});

it("at scale: team-a's token decodes 0 of 1,000 of team-b's payloads, no token 0, team-b's own token all 1,000", async () => {
  const N = 1000;
  const theirs = await Promise.all(Array.from({ length: N }, (_, i) => sealedFor('team-b', { dataset: `ds-b-${i}` })));
  const decodedBy = async (token: string | undefined) => {
    let decoded = 0;
    for (let at = 0; at < N; at += 250) {
      const res = await post(server.url, '/decode', { payloads: theirs.slice(at, at + 250).map(json) }, token);
      if (res.status !== 200) continue;
      for (const p of res.body.payloads!.map(payload)) if (!sealedBy(p)) decoded++;
      if (token !== TOKEN_B) expect(JSON.stringify(res.body)).not.toContain('ds-b-');
    }
    return decoded;
  };
  const figures = {
    otherTenant: await decodedBy(TOKEN_A),
    noToken: await decodedBy(undefined),
    own: await decodedBy(TOKEN_B),
  };
  expect(figures).toEqual({ otherTenant: 0, noToken: 0, own: N });
});
