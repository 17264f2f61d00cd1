/**
 * Authentication of ModelArts calls, as APIG and ModelArts do it:
 * - `X-Auth-Token`: an IAM token (issued by our IAM endpoint, minted with `issueToken`, or configured as static).
 *   Unknown → 401 ModelArts.4201; expired → 401 ModelArts.4127.
 * - `Authorization: SDK-HMAC-SHA256 ...`: the AK/SK signature, verified by rebuilding the canonical request from
 *   the headers named in SignedHeaders. Unknown AK / bad signature → 401 APIG.0301; X-Sdk-Date more than 15 min
 *   from our clock → 401 APIG.0303.
 * Then the project in the URL must be the token's project (403 ModelArts.0210 "does not match the token"), or the
 * X-Project-Id header of an AK/SK call (400 ModelArts.0210 "Invalid project ID").
 */
import type { IncomingHttpHeaders } from 'node:http';
import { parseAuthorization, parseSdkDate, sdkDate, verifySignature } from '../modelarts/signing.js';
import { ApiError, Errors, GatewayErrors } from './errors.js';
import type { Ids } from './ids.js';

const MAX_SKEW_MS = 15 * 60_000;

export interface TokenRecord {
  /** Undefined for a domain-scoped token (no `scope.project` in the IAM request). */
  projectId?: string;
  userName: string;
  issuedAt: number;
  expiresAt: number;
  /** Static tokens never expire. */
  static: boolean;
}

export type Principal =
  | { kind: 'token'; token: TokenRecord }
  | { kind: 'aksk'; accessKey: string; projectId?: string }
  | { kind: 'anonymous' };

export interface AuthOptions {
  projectId: string;
  requireAuth: boolean;
  tokenTtlMs: number;
  credentials: { accessKey: string; secretKey: string; securityToken?: string }[];
  staticTokens: string[];
}

export interface IncomingCall {
  method: string;
  /** Path as received, without the query. */
  rawPath: string;
  /** Query string as received, without `?`. */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** `a=1&b=%20x` → [['a','1'],['b',' x']], as the signer saw them before encoding. */
function queryPairs(raw: string): [string, string][] {
  return raw
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const i = part.indexOf('=');
      const [k, v] = i < 0 ? [part, ''] : [part.slice(0, i), part.slice(i + 1)];
      return [decodeURIComponent(k), decodeURIComponent(v)];
    });
}

export class Auth {
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly secrets: Map<string, { secretKey: string; securityToken?: string }>;

  constructor(
    readonly options: AuthOptions,
    private readonly ids: Ids,
    private readonly now: () => number,
  ) {
    this.secrets = new Map(options.credentials.map((c) => [c.accessKey, c]));
    for (const token of options.staticTokens)
      this.tokens.set(token, {
        projectId: options.projectId,
        userName: 'static',
        issuedAt: 0,
        expiresAt: Infinity,
        static: true,
      });
  }

  issue(
    userName: string,
    projectId: string | undefined,
    expiresInMs = this.options.tokenTtlMs,
  ): { token: string; record: TokenRecord } {
    const issuedAt = this.now();
    const record: TokenRecord = {
      ...(projectId ? { projectId } : {}),
      userName,
      issuedAt,
      expiresAt: issuedAt + expiresInMs,
      static: false,
    };
    const token = this.ids.token();
    this.tokens.set(token, record);
    return { token, record };
  }

  /** Every issued token is now expired (static ones stay valid). */
  expireAll(): void {
    const past = this.now() - 1;
    for (const record of this.tokens.values()) if (!record.static) record.expiresAt = Math.min(record.expiresAt, past);
  }

  authenticate(call: IncomingCall): Principal {
    if (!this.options.requireAuth) return { kind: 'anonymous' };
    const token = header(call.headers, 'x-auth-token');
    if (token !== undefined) {
      const record = this.tokens.get(token);
      if (!record) throw Errors.tokenInvalid();
      if (record.expiresAt <= this.now()) throw Errors.tokenExpired();
      return { kind: 'token', token: record };
    }
    const authorization = header(call.headers, 'authorization');
    if (authorization !== undefined) return this.verifyAkSk(call, authorization);
    throw GatewayErrors.noCredentials();
  }

  private verifyAkSk(call: IncomingCall, authorization: string): Principal {
    const parsed = parseAuthorization(authorization);
    if (!parsed) throw GatewayErrors.badSignature();
    const dateHeader = header(call.headers, 'x-sdk-date');
    const date = dateHeader ? parseSdkDate(dateHeader) : undefined;
    if (!dateHeader || !date) throw GatewayErrors.badSignature();
    // The gateway compares the signer's clock with its own real one: simulated task time (a ManualClock) must
    // not make fresh signatures look expired.
    const now = Date.now();
    if (Math.abs(now - date.getTime()) > MAX_SKEW_MS)
      throw GatewayErrors.signatureExpired(dateHeader, sdkDate(new Date(now)));
    const secret = this.secrets.get(parsed.accessKey);
    if (!secret) throw GatewayErrors.unknownAccessKey(parsed.accessKey);
    // Temporary AK/SK: the security token must come along (the SDKs add and sign X-Security-Token).
    if (secret.securityToken !== undefined && header(call.headers, 'x-security-token') !== secret.securityToken)
      throw GatewayErrors.badSignature();
    const headers: Record<string, string> = {};
    for (const name of parsed.signedHeaders) headers[name] = header(call.headers, name) ?? '';
    // Decides between hashing the body and the literal UNSIGNED-PAYLOAD, signed or not.
    const payloadMode = header(call.headers, 'x-sdk-content-sha256');
    if (payloadMode !== undefined) headers['x-sdk-content-sha256'] = payloadMode;
    let valid: boolean;
    try {
      valid = verifySignature(
        { method: call.method, path: call.rawPath, query: queryPairs(call.rawQuery), headers, body: call.body },
        parsed,
        secret.secretKey,
      );
    } catch {
      valid = false; // malformed percent-encoding in the path or query
    }
    if (!valid) throw GatewayErrors.badSignature();
    const projectId = header(call.headers, 'x-project-id');
    return { kind: 'aksk', accessKey: parsed.accessKey, ...(projectId ? { projectId } : {}) };
  }

  /** The URL's project must be the caller's. */
  checkProject(principal: Principal, urlProjectId: string): void {
    if (principal.kind === 'token') {
      if (!principal.token.projectId) throw Errors.tokenWithoutProject();
      if (principal.token.projectId !== urlProjectId) throw Errors.projectMismatch();
      return;
    }
    if (principal.kind === 'aksk' && principal.projectId !== undefined && principal.projectId !== urlProjectId)
      throw Errors.projectInvalid();
    if (urlProjectId !== this.options.projectId) throw Errors.projectInvalid();
  }
}

export function isAuthError(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401;
}
