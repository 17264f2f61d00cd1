/**
 * Sealed mode's settings, validated at start like every other setting (every problem at once, each naming its
 * variable and tenant, never a key's value):
 *
 * - `MODELARTS_SEALED`: `true` seals what this process writes (worker, CLI, library, schedules).
 * - `MODELARTS_SEALED_KEYS` (or the file named by its `_FILE` twin, mode 0600): per tenant, the current key id and the
 *   keys by id, each 32 random bytes in base64:
 *   `{"default": {"current": "k2", "keys": {"k1": "…", "k2": "…"}}, "team-a": {…}}`
 * - `MODELARTS_CODEC_TOKENS` (or `_FILE`, 0600): the codec server's bearer tokens, one per tenant:
 *   `{"team-a": "…", "default": "…"}`.
 *
 * Keys and tokens are registered as secrets (src/modelarts/redact.ts), so no log line shows them.
 */
import { ConfigError } from '../config-error.js';
import { TENANT_PATTERN } from '../budget/classes.js';
import { registerSecret } from '../modelarts/redact.js';
import { withSecretFiles } from '../secret-files.js';
import { KeyFileSource, type KeyFileOptions } from './key-file.js';
import { type HeldKeySource, StaticKeySource, type TenantKeys } from './key-source.js';

export const SEALED_VARIABLE = 'MODELARTS_SEALED';
export const KEYS_VARIABLE = 'MODELARTS_SEALED_KEYS';
export const TOKENS_VARIABLE = 'MODELARTS_CODEC_TOKENS';

/** AES-256. */
export const KEY_BYTES = 32;
/** Key ids travel in every payload's metadata: short and plain. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/** A bearer token shorter than this is guessable. */
export const MIN_TOKEN_LENGTH = 24;

type Env = Record<string, string | undefined>;

export interface SealedSettings {
  /** MODELARTS_SEALED=true: new writes are sealed. */
  sealed: boolean;
  /**
   * The configured keys; undefined when none are (an unsealed process then reads sealed payloads as errors). From
   * `MODELARTS_SEALED_KEYS_FILE` they follow the file (src/sealed/key-file.ts); from the variable itself they are fixed.
   */
  keys?: HeldKeySource;
}

function parseJsonObject(name: string, text: string, problems: string[]): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    problems.push(`${name} must be JSON (its content is not shown: it holds secrets)`);
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${name} must be a JSON object keyed by tenant`);
    return undefined;
  }
  return value as Record<string, unknown>;
}

/** Strict base64 of exactly 32 bytes (Buffer.from would accept anything and drop what it cannot read). */
function keyBytes(text: unknown): Buffer | string {
  if (typeof text !== 'string') return 'must be a base64 string';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return 'must be base64 (A-Z a-z 0-9 + / =)';
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== KEY_BYTES)
    return `must be ${KEY_BYTES} random bytes in base64 (44 characters); got ${bytes.length} bytes`;
  return bytes;
}

function tenantKeys(name: string, tenant: string, entry: unknown, problems: string[]): TenantKeys | undefined {
  const where = `${name}: tenant ${JSON.stringify(tenant)}`;
  if (!TENANT_PATTERN.test(tenant)) {
    problems.push(`${where}: a tenant must be 1-64 letters, digits or . _ : / - (starting with a letter or digit)`);
    return undefined;
  }
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
    problems.push(`${where}: must be {"current": KEY_ID, "keys": {KEY_ID: BASE64, …}}`);
    return undefined;
  }
  const { current, keys, ...rest } = entry as Record<string, unknown>;
  const before = problems.length;
  for (const field of Object.keys(rest)) problems.push(`${where}: unknown field ${JSON.stringify(field)}`);
  if (!keys || typeof keys !== 'object' || Array.isArray(keys) || Object.keys(keys).length === 0) {
    problems.push(`${where}: "keys" must be an object of at least one KEY_ID: BASE64 key`);
    return undefined;
  }
  const out = new Map<string, Buffer>();
  for (const [id, text] of Object.entries(keys as Record<string, unknown>)) {
    if (!KEY_ID_PATTERN.test(id)) {
      problems.push(`${where}: key id ${JSON.stringify(id)} must be 1-64 letters, digits or . _ -`);
      continue;
    }
    const bytes = keyBytes(text);
    if (typeof bytes === 'string') problems.push(`${where}: key ${JSON.stringify(id)} ${bytes}`);
    else out.set(id, bytes);
    if (typeof text === 'string') registerSecret(text);
  }
  if (typeof current !== 'string' || !(current in (keys as object)))
    problems.push(
      `${where}: "current" must name one of its keys (${Object.keys(keys)
        .map((k) => JSON.stringify(k))
        .join(', ')})`,
    );
  return problems.length === before ? { current: current as string, keys: out } : undefined;
}

/** The keys in MODELARTS_SEALED_KEYS (already read from its file); problems name the tenant and key id. */
export function parseSealedKeys(text: string, problems: string[], name = KEYS_VARIABLE): StaticKeySource | undefined {
  const object = parseJsonObject(name, text, problems);
  if (!object) return undefined;
  const tenants = new Map<string, TenantKeys>();
  for (const [tenant, entry] of Object.entries(object)) {
    const keys = tenantKeys(name, tenant, entry, problems);
    if (keys) tenants.set(tenant, keys);
  }
  if (Object.keys(object).length === 0) problems.push(`${name} must name at least one tenant`);
  return tenants.size > 0 ? new StaticKeySource(tenants) : undefined;
}

function flag(env: Env, problems: string[]): boolean {
  const value = env[SEALED_VARIABLE]?.trim();
  if (value === undefined || value === '') return false;
  if (['true', '1'].includes(value)) return true;
  if (['false', '0'].includes(value)) return false;
  problems.push(`${SEALED_VARIABLE} must be true or false (or 1 / 0); got ${JSON.stringify(value)}`);
  return false;
}

/** The keys in a keys file, validated as at start (owner-only, JSON, each tenant's current key among its keys). */
export function readKeysFile(file: string, problems: string[]): StaticKeySource | undefined {
  const fileVariable = `${KEYS_VARIABLE}_FILE`;
  const { env, problems: read } = withSecretFiles({ [fileVariable]: file }, [KEYS_VARIABLE], { ownerOnly: true });
  problems.push(...read);
  const text = env[KEYS_VARIABLE]?.trim();
  return text ? parseSealedKeys(text, problems, fileVariable) : undefined;
}

/**
 * The sealed settings of a worker, CLI or library process; ConfigError names each bad variable. Keys from a file
 * are re-read when it changes (`keyFile` tunes how: tests); a bad file at start is still a ConfigError.
 */
export function sealedSettingsFromEnv(rawEnv: Env = process.env, keyFile: KeyFileOptions = {}): SealedSettings {
  const { env, problems } = withSecretFiles(rawEnv, [KEYS_VARIABLE], { ownerOnly: true });
  const sealed = flag(env, problems);
  const text = env[KEYS_VARIABLE]?.trim();
  const fixed = text ? parseSealedKeys(text, problems) : undefined;
  const file = rawEnv[`${KEYS_VARIABLE}_FILE`]?.trim();
  const keys =
    fixed && file && !rawEnv[KEYS_VARIABLE]?.trim()
      ? new KeyFileSource(file, fixed, (p) => readKeysFile(file, p), keyFile)
      : fixed;
  if (sealed && !text && !problems.some((p) => p.startsWith(KEYS_VARIABLE)))
    problems.push(
      `${SEALED_VARIABLE}=true needs keys: set ${KEYS_VARIABLE} or ${KEYS_VARIABLE}_FILE ` +
        '({"default": {"current": "k1", "keys": {"k1": "<32 random bytes, base64>"}}}; see docs/sealed.md)',
    );
  if (problems.length > 0) throw new ConfigError(problems);
  return { sealed, ...(keys && { keys }) };
}

/** The codec server's bearer tokens: token → tenant. */
export function codecTokensFromEnv(rawEnv: Env = process.env): Map<string, string> {
  const { env, problems } = withSecretFiles(rawEnv, [TOKENS_VARIABLE], { ownerOnly: true });
  const text = env[TOKENS_VARIABLE]?.trim();
  const tokens = new Map<string, string>();
  if (!text && problems.length === 0)
    problems.push(
      `${TOKENS_VARIABLE} (or ${TOKENS_VARIABLE}_FILE) is needed: a bearer token per tenant, ` +
        '{"team-a": "<random token>"}; without tokens the codec server could only refuse every caller',
    );
  const object = text ? parseJsonObject(TOKENS_VARIABLE, text, problems) : undefined;
  for (const [tenant, token] of Object.entries(object ?? {})) {
    const where = `${TOKENS_VARIABLE}: tenant ${JSON.stringify(tenant)}`;
    if (!TENANT_PATTERN.test(tenant))
      problems.push(`${where}: a tenant must be 1-64 letters, digits or . _ : / - (starting with a letter or digit)`);
    else if (typeof token !== 'string' || token.trim().length < MIN_TOKEN_LENGTH)
      problems.push(`${where}: the token must be a string of at least ${MIN_TOKEN_LENGTH} characters`);
    else if (tokens.has(token)) problems.push(`${where}: the same token is given to two tenants`);
    else {
      registerSecret(token);
      tokens.set(token, tenant);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return tokens;
}
