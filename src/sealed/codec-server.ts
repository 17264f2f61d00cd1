/**
 * Temporal's codec server protocol, for the Temporal UI and CLI: `POST /encode` and `POST /decode` with
 * `{"payloads": [{"metadata": {NAME: BASE64}, "data": BASE64}]}` in and out.
 *
 * - Every caller shows a bearer token (`Authorization: Bearer …`); each token belongs to one tenant
 *   (MODELARTS_CODEC_TOKENS). Without a valid one: 401, and nothing is decoded.
 * - A caller decodes only its own tenant's payloads; any other payload (another tenant's, clear ones) comes back as
 *   it was sent. Encoding seals with the caller's tenant's current key.
 * - Without keys (none configured, or none for the caller's tenant): 403 naming what is missing, never a 500.
 * - CORS for the one UI origin given (`--cors-origin`), preflight included, with the `X-Namespace` header the UI
 *   sends; other origins get no CORS headers (the browser then refuses to read the answer).
 * - The Temporal UI (2.x) cannot send a bearer token of ours: it sends `Authorization` only with its OIDC login's
 *   access token, and only to an https endpoint. What it can send is cookies (`codec.includeCredentials`), so a
 *   person signs in once at `/login` with the tenant's token, which the server keeps in an HttpOnly, SameSite=Strict
 *   cookie; the cookie then counts as that bearer token.
 * - Cross-site request forgery: a POST to `/login` must come from the codec server's own sign-in page or the UI's
 *   origin, and a request authenticated by the cookie (not a bearer header) from the UI's origin; any other Origin,
 *   or none, is refused with 403 before the token is read. SameSite=Strict alone is not enough: every port of
 *   127.0.0.1 is the same site, so another local web app's page would send the cookie.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload } from '@temporalio/common';
import { seal, sealedBy, unseal } from './codec.js';
import type { KeySource } from './key-source.js';

/** A history page of payloads fits; a runaway body does not. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface CodecServerOptions {
  host: string;
  port: number;
  /** Absent: every authenticated request answers 403. */
  keys?: KeySource;
  /** Bearer token → tenant. */
  tokens: ReadonlyMap<string, string>;
  /** The Temporal UI's origin, e.g. http://127.0.0.1:8233; absent: no CORS headers. */
  corsOrigin?: string;
}

export interface CodecServer {
  url: string;
  close: () => Promise<void>;
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** The cookie `/login` sets for the Temporal UI: it holds the tenant's token. */
export const CODEC_COOKIE = 'modelarts_codec';

/** The tenant of a token, compared in constant time (digests, so lengths do not leak either). */
function tenantOf(tokens: ReadonlyMap<string, string>, token: string | undefined): string | undefined {
  if (!token) return undefined;
  const given = digest(token);
  let tenant: string | undefined;
  for (const [known, owner] of tokens) if (timingSafeEqual(digest(known), given)) tenant = owner;
  return tenant;
}

/** The token of `Authorization: Bearer …`, or else of the login cookie, and which of the two it came in. */
function tokenOfRequest(req: IncomingMessage): { token: string; via: 'bearer' | 'cookie' } | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (bearer) return { token: bearer[1]!, via: 'bearer' };
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === CODEC_COOKIE) return { token: decodeURIComponent(value.join('=')), via: 'cookie' };
  }
  return undefined;
}

/**
 * The codec server's own origin as the browser sees it (its Host, over http or behind a TLS proxy https): where its
 * sign-in form is posted from. A forged request from another page carries that page's Origin, not this one.
 */
function ownOrigins(req: IncomingMessage): string[] {
  const host = req.headers.host;
  return host ? [`http://${host}`, `https://${host}`] : [];
}

function fromJson(p: JsonPayload): Payload {
  if (!p || typeof p !== 'object') throw new HttpError(400, 'each payload must be an object');
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) {
    if (typeof v !== 'string') throw new HttpError(400, `payload metadata ${JSON.stringify(k)} must be base64`);
    metadata[k] = Buffer.from(v, 'base64');
  }
  if (p.data !== undefined && typeof p.data !== 'string') throw new HttpError(400, 'payload data must be base64');
  return { metadata, data: Buffer.from(p.data ?? '', 'base64') };
}

function toJson(p: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
    ),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  };
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `the body must be at most ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readBody(req: IncomingMessage): Promise<Payload[]> {
  const text = await readText(req);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the body must be JSON: {"payloads": [...]}');
  }
  const payloads = (body as { payloads?: unknown })?.payloads;
  if (!Array.isArray(payloads)) throw new HttpError(400, 'the body must be {"payloads": [...]}');
  return payloads.map((p) => fromJson(p as JsonPayload));
}

/** Decodes the caller's own tenant's payloads; all others (other tenants', clear, unreadable) go back as sent. */
async function decodeOwn(payloads: Payload[], tenant: string, keys: KeySource): Promise<Payload[]> {
  return Promise.all(
    payloads.map(async (payload) => {
      const by = sealedBy(payload);
      if (!by || by.tenant !== tenant) return payload;
      const key = await keys.byId(tenant, by.keyId);
      if (!key) return payload;
      try {
        return unseal(payload, key);
      } catch {
        return payload; // tampered or written with another key of that id: shown as ciphertext
      }
    }),
  );
}

async function encodeOwn(payloads: Payload[], tenant: string, keys: KeySource): Promise<Payload[]> {
  const key = await keys.current(tenant);
  if (!key) throw new HttpError(403, `this codec server has no current key for tenant "${tenant}"`);
  return payloads.map((p) => (sealedBy(p) ? p : seal(p, key)));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

const LOGIN_PAGE = (message: string) =>
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Codec server sign-in</title></head><body>' +
  `<h1>ModelArts codec server</h1><p role="status">${message}</p>` +
  '<form method="post" action="/login"><label>Tenant token <input type="password" name="token" ' +
  'autocomplete="off" required></label> <button type="submit">Sign in</button></form>' +
  '<p>Then, in the Temporal UI, the codec server must send credentials ("Include cross-origin credentials").</p>' +
  '</body></html>';

function sendPage(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; form-action 'self'",
    'X-Frame-Options': 'DENY',
    ...headers,
  });
  res.end(html);
}

/**
 * `GET /login`: the form; `POST /login` (form-encoded `token`): sets the cookie when the token is a tenant's, and
 * only when posted from this server's own page or the UI (a forged sign-in would bind a victim's browser to the
 * attacker's tenant).
 */
async function login(
  req: IncomingMessage,
  res: ServerResponse,
  tokens: ReadonlyMap<string, string>,
  corsOrigin: string | undefined,
): Promise<void> {
  if (req.method === 'GET') return sendPage(res, 200, LOGIN_PAGE("Sign in with your tenant's codec token."));
  if (req.method !== 'POST') throw new HttpError(405, '/login takes GET or POST');
  const origin = req.headers.origin;
  const allowed = [...ownOrigins(req), ...(corsOrigin ? [corsOrigin] : [])];
  if (!origin || !allowed.includes(origin))
    return sendPage(res, 403, LOGIN_PAGE('Refused: a sign-in must be sent from this page (cross-site request).'));
  const token = new URLSearchParams(await readText(req)).get('token')?.trim();
  const tenant = tenantOf(tokens, token);
  if (!tenant || !token) return sendPage(res, 401, LOGIN_PAGE('Unknown token: not signed in.'));
  const cookie = `${CODEC_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
  const name = tenant.replace(/[^A-Za-z0-9._:/-]/g, '');
  sendPage(res, 200, LOGIN_PAGE(`Signed in: this browser decodes the runs of tenant ${name}.`), {
    'Set-Cookie': cookie,
  });
}

export function codecRequestHandler(options: Omit<CodecServerOptions, 'host' | 'port'>) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const origin = req.headers.origin;
    const corsAllowed = options.corsOrigin !== undefined && origin === options.corsOrigin;
    if (corsAllowed) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
    }
    res.setHeader('Vary', 'Origin');
    const path = (req.url ?? '').split('?')[0];
    try {
      if (path === '/login') return await login(req, res, options.tokens, options.corsOrigin);
      if (path !== '/encode' && path !== '/decode')
        throw new HttpError(404, 'the codec server answers /encode, /decode and /login');
      if (req.method === 'OPTIONS') {
        if (!corsAllowed) throw new HttpError(403, 'origin not allowed (see --cors-origin)');
        res.writeHead(204, {
          'Access-Control-Allow-Methods': 'POST, OPTIONS',
          'Access-Control-Allow-Headers': 'Content-Type, Authorization, X-Namespace',
          'Access-Control-Max-Age': '600',
        });
        res.end();
        return;
      }
      if (req.method !== 'POST') throw new HttpError(405, `${path} takes POST`);
      const given = tokenOfRequest(req);
      // A browser sends the cookie with any page's request: only the UI's may use it.
      if (given?.via === 'cookie' && !corsAllowed)
        throw new HttpError(
          403,
          "a request signed in by cookie must come from the Temporal UI's origin (--cors-origin)",
        );
      const tenant = tenantOf(options.tokens, given?.token);
      if (!tenant) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="modelarts-codec"');
        throw new HttpError(
          401,
          'a bearer token of one of the configured tenants is needed (Authorization: Bearer …, or sign in at /login)',
        );
      }
      if (!options.keys) throw new HttpError(403, 'this codec server has no keys (set MODELARTS_SEALED_KEYS)');
      const payloads = await readBody(req);
      const out =
        path === '/decode'
          ? await decodeOwn(payloads, tenant, options.keys)
          : await encodeOwn(payloads, tenant, options.keys);
      send(res, 200, { payloads: out.map(toJson) });
    } catch (err) {
      if (err instanceof HttpError) send(res, err.status, { error: err.message });
      else send(res, 500, { error: 'internal error' }); // never an exception's text: it could hold payload data
    }
  };
}

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const handler = codecRequestHandler(options);
  const server: Server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
