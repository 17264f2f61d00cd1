/**
 * The three ways to authenticate ModelArts calls (reference sections 2 and 3):
 * - `AkSkAuth`: APIG `SDK-HMAC-SHA256` signatures with an access key / secret key (optionally temporary, with a
 *   security token);
 * - `IamPasswordAuth`: a project-scoped IAM token from a user's password, cached and refreshed before it expires
 *   and after a 401;
 * - `TokenAuth`: a token the caller already has.
 * Secrets live in private (#) fields so they never show up when a provider or the client options get logged.
 */
import type { Logger } from 'pino';
import { ModelArtsApiError, ModelArtsResponseError, parseErrorBody, TOKEN_EXPIRED_CODES } from './errors.js';
import { header, send } from './http.js';
import { forgetSecret, registerSecret } from './redact.js';
import { signRequest } from './signing.js';
import type { IamPasswordTokenRequest, IamTokenResponse } from './types.js';

/** What a provider may look at to authenticate one request. */
export interface AuthRequest {
  method: string;
  /** Full URL including the query, exactly as it will be sent. */
  url: URL;
  /** Exact body bytes that will be sent ('' for none). */
  body: string;
  /** Content-Type header the client sends. */
  contentType: string;
  projectId: string;
}

export type AuthMode = 'aksk' | 'iam' | 'token';

export interface AuthProvider {
  readonly mode: AuthMode;
  /** Headers to add to this request. AK/SK signs here, so call it right before sending. */
  authenticate(request: AuthRequest): Promise<Record<string, string>>;
  /**
   * Called after a 401 with the headers that were used. Returns true when fresh credentials are now available, so
   * one retry of the same request makes sense. Providers that cannot refresh leave it out.
   */
  onUnauthorized?(error: ModelArtsApiError, used: Record<string, string>): boolean;
  /** A one-line description without secrets, for startup logs. */
  describe(): string;
}

/** Shows the start of an identifier only. */
const hint = (value: string) => (value.length > 8 ? `${value.slice(0, 4)}…` : '…');

// ---------------------------------------------------------------------------------------------------------------
// AK/SK
// ---------------------------------------------------------------------------------------------------------------

export interface AkSkAuthOptions {
  accessKey: string;
  secretKey: string;
  /** For temporary AK/SK; sent (and signed) as X-Security-Token. */
  securityToken?: string;
  /** Clock, for tests. */
  now?: () => Date;
}

export class AkSkAuth implements AuthProvider {
  readonly mode = 'aksk' as const;
  readonly #accessKey: string;
  readonly #secretKey: string;
  readonly #securityToken: string | undefined;
  readonly #now: () => Date;

  constructor(options: AkSkAuthOptions) {
    this.#accessKey = options.accessKey;
    this.#secretKey = options.secretKey;
    this.#securityToken = options.securityToken;
    this.#now = options.now ?? (() => new Date());
    [options.accessKey, options.secretKey, options.securityToken].forEach(registerSecret);
  }

  /** Signs content-type;host;x-sdk-date, plus x-project-id and x-security-token (the set the reference recommends). */
  async authenticate(request: AuthRequest): Promise<Record<string, string>> {
    const headers: Record<string, string> = {
      'Content-Type': request.contentType,
      Host: request.url.host,
      'X-Project-Id': request.projectId,
    };
    if (this.#securityToken) headers['X-Security-Token'] = this.#securityToken;
    return signRequest(
      {
        method: request.method,
        path: request.url.pathname,
        query: [...request.url.searchParams],
        headers,
        body: request.body,
      },
      { accessKey: this.#accessKey, secretKey: this.#secretKey },
      this.#now(),
    );
  }

  describe(): string {
    return `AK/SK signing (access key ${hint(this.#accessKey)}${this.#securityToken ? ', temporary' : ''})`;
  }

  toJSON() {
    return { mode: this.mode };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Ready token
// ---------------------------------------------------------------------------------------------------------------

export class TokenAuth implements AuthProvider {
  readonly mode = 'token' as const;
  readonly #token: string;

  constructor(token: string) {
    this.#token = token;
    registerSecret(token);
  }

  async authenticate(): Promise<Record<string, string>> {
    return { 'X-Auth-Token': this.#token };
  }

  describe(): string {
    return 'IAM token (provided)';
  }

  toJSON() {
    return { mode: this.mode };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// IAM password token
// ---------------------------------------------------------------------------------------------------------------

export interface IamPasswordAuthOptions {
  /** e.g. `https://iam.eu-de.otc.t-systems.com` or `.../v3` (OS_AUTH_URL style); both work. */
  iamEndpoint: string;
  username: string;
  password: string;
  domainName: string;
  /** Project scope by name, e.g. `eu-de` or `eu-de_sub`. */
  projectName: string;
  timeoutMs?: number;
  /** Refresh this long before `expires_at`; default min(5 min, 10% of the token's lifetime). */
  refreshMarginMs?: number;
  logger?: Logger;
  /** Clock in epoch ms, for tests. */
  now?: () => number;
}

interface CachedToken {
  token: string;
  expiresAt: number;
  refreshAt: number;
}

/** Keystone v3 URL base without a trailing `/v3`. */
export function iamBaseUrl(endpoint: string): string {
  return endpoint.replace(/\/+$/, '').replace(/\/v3$/, '');
}

/** When no `expires_at` comes back we keep the token for an hour (real tokens live 24 h). */
const FALLBACK_LIFETIME_MS = 60 * 60 * 1000;

export class IamPasswordAuth implements AuthProvider {
  readonly mode = 'iam' as const;
  readonly #options: IamPasswordAuthOptions;
  #cached: CachedToken | undefined;
  #lastToken: string | undefined;
  /** The token request in flight; concurrent callers share it instead of each asking IAM. */
  #pending: Promise<CachedToken> | undefined;
  #fetches = 0;

  constructor(options: IamPasswordAuthOptions) {
    this.#options = { ...options, iamEndpoint: iamBaseUrl(options.iamEndpoint) };
    registerSecret(options.password);
  }

  /** How many token requests went to IAM (for tests and metrics). */
  get tokenRequests(): number {
    return this.#fetches;
  }

  async authenticate(): Promise<Record<string, string>> {
    return { 'X-Auth-Token': await this.token() };
  }

  /** A valid token, from the cache or from IAM. */
  async token(): Promise<string> {
    const now = this.#now();
    if (this.#cached && now < this.#cached.refreshAt) return this.#cached.token;
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = undefined;
    });
    return (await this.#pending).token;
  }

  onUnauthorized(error: ModelArtsApiError, used: Record<string, string>): boolean {
    // A 401 without a code is treated like an expired token too: one refresh is cheap, and only one retry follows.
    if (error.errorCode !== undefined && !TOKEN_EXPIRED_CODES.has(error.errorCode)) return false;
    // Forget the token only if it is still the one that failed; a concurrent caller may have refreshed already.
    if (this.#cached?.token === used['X-Auth-Token']) this.#cached = undefined;
    return true;
  }

  /** Drops the cached token, so the next call fetches a new one. */
  invalidate(): void {
    this.#cached = undefined;
  }

  describe(): string {
    const o = this.#options;
    return `IAM password token (user ${o.username}, domain ${o.domainName}, project ${o.projectName}, IAM ${o.iamEndpoint})`;
  }

  toJSON() {
    return { mode: this.mode };
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }

  async #fetch(): Promise<CachedToken> {
    const o = this.#options;
    this.#fetches++;
    const body: IamPasswordTokenRequest = {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: o.username, password: o.password, domain: { name: o.domainName } } },
        },
        scope: { project: { name: o.projectName } },
      },
    };
    const url = new URL(`${o.iamEndpoint}/v3/auth/tokens?nocatalog=true`);
    const started = this.#now();
    const response = await send({
      method: 'POST',
      url,
      route: '/v3/auth/tokens',
      headers: { 'Content-Type': 'application/json;charset=utf8', Accept: 'application/json' },
      body: JSON.stringify(body),
      timeoutMs: o.timeoutMs ?? 30_000,
    });
    o.logger?.debug(
      { method: 'POST', path: url.pathname, status: response.status, durationMs: this.#now() - started },
      'IAM token request',
    );
    const token = header(response.headers, 'x-subject-token');
    if (response.status < 200 || response.status >= 300) {
      const parsed = parseErrorBody(response.body, response.headers);
      throw new ModelArtsApiError({
        httpStatus: response.status,
        errorCode: parsed.errorCode,
        errorMsg: parsed.errorMsg,
        requestId: parsed.requestId,
        method: 'POST',
        path: url.pathname,
      });
    }
    if (!token)
      throw new ModelArtsResponseError(
        'IAM answered without an X-Subject-Token header',
        response.status,
        'POST',
        url.pathname,
      );
    const fetchedAt = this.#now();
    let expiresAt = fetchedAt + FALLBACK_LIFETIME_MS;
    try {
      const parsed = Date.parse((JSON.parse(response.body) as IamTokenResponse).token.expires_at);
      if (!Number.isNaN(parsed)) expiresAt = parsed;
    } catch {
      // Keep the fallback lifetime: the token header is what matters.
    }
    const margin = o.refreshMarginMs ?? Math.min(5 * 60_000, Math.max(0, expiresAt - fetchedAt) / 10);
    // The replaced token is dropped from the exact-value redaction list (the cache may already have been cleared).
    forgetSecret(this.#lastToken);
    registerSecret(token);
    this.#lastToken = token;
    this.#cached = { token, expiresAt, refreshAt: expiresAt - margin };
    return this.#cached;
  }
}
