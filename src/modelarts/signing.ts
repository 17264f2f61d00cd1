/**
 * APIG `SDK-HMAC-SHA256` request signing (the Huawei Cloud / OTC "AK/SK" signature), shared by the client, which
 * signs, and the simulator, which verifies. The algorithm is APIG's "AK/SK signing" (SDK-HMAC-SHA256); the
 * published test vectors are in test/unit/signing.test.ts.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ALGORITHM = 'SDK-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export interface SignableRequest {
  method: string;
  /** Path without query, as sent (no trailing slash needed; the canonical form adds one). */
  path: string;
  /** Query parameters; repeated values are allowed. */
  query?: [string, string][];
  /** Header names in any case. Must include X-Sdk-Date and Host when they are to be signed. */
  headers: Record<string, string>;
  body?: string | Buffer;
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** RFC 3986 encoding, keeping only unreserved characters (A–Z a–z 0–9 - _ . ~), as the Python and Go SDKs do. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalUri(path: string): string {
  const segments = path.split('/').map((segment) => uriEncode(decodeURIComponent(segment)));
  const joined = segments.join('/');
  return joined.endsWith('/') ? joined : `${joined}/`;
}

function canonicalQuery(query: [string, string][] = []): string {
  return query
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak === bk ? (av < bv ? -1 : av > bv ? 1 : 0) : ak < bk ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function lowerHeaders(headers: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

export function canonicalRequest(request: SignableRequest, signedHeaders: string[]): string {
  const headers = lowerHeaders(request.headers);
  const canonicalHeaders = signedHeaders.map((name) => `${name}:${(headers.get(name) ?? '').trim()}\n`).join('');
  const payloadHash =
    headers.get('x-sdk-content-sha256') === UNSIGNED_PAYLOAD ? UNSIGNED_PAYLOAD : sha256Hex(request.body ?? '');
  return [
    request.method.toUpperCase(),
    canonicalUri(request.path),
    canonicalQuery(request.query),
    canonicalHeaders,
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

export function stringToSign(canonical: string, sdkDate: string): string {
  return `${ALGORITHM}\n${sdkDate}\n${sha256Hex(canonical)}`;
}

export function signature(secretKey: string, toSign: string): string {
  return createHmac('sha256', Buffer.from(secretKey, 'utf8')).update(toSign).digest('hex');
}

/** `20191115T033655Z` for a Date. */
export function sdkDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Parses `20191115T033655Z`; undefined when malformed. */
export function parseSdkDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}

export interface Credentials {
  accessKey: string;
  secretKey: string;
}

/** Adds X-Sdk-Date (when missing) and Authorization to the request headers and returns them. */
export function signRequest(
  request: SignableRequest,
  credentials: Credentials,
  now = new Date(),
): Record<string, string> {
  const headers: Record<string, string> = { ...request.headers };
  const lower = lowerHeaders(headers);
  if (!lower.has('x-sdk-date')) headers['X-Sdk-Date'] = sdkDate(now);
  const date = lowerHeaders(headers).get('x-sdk-date')!;
  const signed = [...lowerHeaders(headers).keys()]
    .filter((name) => !name.includes('_') && name !== 'authorization')
    .sort();
  const canonical = canonicalRequest({ ...request, headers }, signed);
  const sig = signature(credentials.secretKey, stringToSign(canonical, date));
  headers.Authorization = `${ALGORITHM} Access=${credentials.accessKey}, SignedHeaders=${signed.join(';')}, Signature=${sig}`;
  return headers;
}

export interface ParsedAuthorization {
  accessKey: string;
  signedHeaders: string[];
  signature: string;
}

export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  if (!header?.startsWith(`${ALGORITHM} `)) return undefined;
  const fields = Object.fromEntries(
    header
      .slice(ALGORITHM.length + 1)
      .split(',')
      .map((part) => part.trim().split('=') as [string, string]),
  );
  if (!fields.Access || !fields.SignedHeaders || !fields.Signature) return undefined;
  return { accessKey: fields.Access, signedHeaders: fields.SignedHeaders.split(';'), signature: fields.Signature };
}

/** Recomputes the signature of a received request and compares it in constant time. */
export function verifySignature(request: SignableRequest, parsed: ParsedAuthorization, secretKey: string): boolean {
  const date = lowerHeaders(request.headers).get('x-sdk-date');
  if (!date) return false;
  const expected = signature(secretKey, stringToSign(canonicalRequest(request, parsed.signedHeaders), date));
  const a = Buffer.from(expected, 'hex');
  const b = Buffer.from(parsed.signature, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
