/**
 * One place that knows what a secret looks like, so logs and error messages never carry tokens, keys, passwords or
 * signatures. Use `REDACT_PATHS` with pino (`pino({ redact: REDACT_PATHS })`) and `redactSecrets` for free text.
 *
 * Patterns alone miss a secret that a server or proxy echoes in prose (`password 'X' rejected`), so the process's
 * configured secrets are also blanked out by exact value: the auth providers register theirs when they are made
 * (`registerSecret`), and every error built from a ModelArts or IAM answer goes through `redactSecrets`.
 */

export const REDACTED = '[REDACTED]';
/** What a sealed process writes instead of an error's text, in logs and spans (the run's failure is read decoded). */
export const SEALED_TEXT = '(sealed: read the run through the codec server)';

/** Keys whose values are secrets (or identify one), wherever they appear in what we log. */
const SECRET_KEYS = [
  'password',
  'secretKey',
  'secret_key',
  'accessKey',
  'access_key',
  'securityToken',
  'security_token',
  'token',
  'authToken',
  'auth_token',
  'apiKey',
  'authorization',
  'Authorization',
  // HTTP headers (Node lower-cases the ones it receives; callers may log their own in either case).
  'x-auth-token',
  'X-Auth-Token',
  'x-subject-token',
  'X-Subject-Token',
  'x-security-token',
  'X-Security-Token',
];

/** `.key`, or `["key"]` for a key pino's paths cannot spell bare (a header name with dashes). */
const step = (key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`);

/** pino `redact` paths: each secret key at the top (plain keys only), one and two levels down, and under `headers`. */
export const REDACT_PATHS: string[] = [
  ...SECRET_KEYS.flatMap((key) => [
    ...(step(key).startsWith('.') ? [key] : []),
    `*${step(key)}`,
    `*.*${step(key)}`,
    `headers${step(key)}`,
  ]),
  // The IAM password-token request body.
  'auth.identity.password.user.password',
];

const SECRET_NAMES =
  '(?:password|secret_?key|secretKey|security_?token|securityToken|auth_?token|authToken|access_?key|accessKey|' +
  'MODELARTS_[A-Z_]*(?:KEY|TOKEN|PASSWORD)|OS_(?:PASSWORD|TOKEN|AUTH_TOKEN|SECRET_KEY|ACCESS_KEY)|' +
  'HUAWEICLOUD_SDK_(?:AK|SK|SECURITY_TOKEN)|TEMPORAL_API_KEY)';

const PATTERNS: [RegExp, string][] = [
  // Authorization: SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...
  [/(Signature=)[0-9a-fA-F]+/g, `$1${REDACTED}`],
  [/(Access=)[^,\s]+/g, `$1${REDACTED}`],
  // APIG echoes an unknown access key: "Get secretKey failed,ak:HST3UZ...,err:ak not exist".
  [/(\bak:)[^,\s"']+/gi, `$1${REDACTED}`],
  // Token headers, in "Name: value" or JSON "name":"value" form.
  [
    /((?:x-auth-token|x-subject-token|x-security-token|authorization)["']?\s*[:=]\s*["']?)[^"',\s}]+/gi,
    `$1${REDACTED}`,
  ],
  // JSON or key=value secrets; a quoted value is blanked whole, spaces, commas and all.
  [new RegExp(`(${SECRET_NAMES}["']?\\s*[:=]\\s*)("[^"]*"|'[^']*')`, 'gi'), `$1"${REDACTED}"`],
  [new RegExp(`(${SECRET_NAMES}["']?\\s*[:=]\\s*)[^"',\\s}&]+`, 'gi'), `$1${REDACTED}`],
  // Prose: "password 'X' rejected", "token \"X\" expired".
  [/\b((?:password|passwd|secret|token)\s+)("[^"]*"|'[^']*')/gi, `$1"${REDACTED}"`],
  // Bare Keystone tokens: Huawei/OTC PKI tokens start with MII, Fernet tokens with gAAAAA.
  [/\b(?:MII|gAAAAA)[A-Za-z0-9+/=_-]{40,}/g, REDACTED],
];

/** Very short values would blank out ordinary words; real secrets are long. */
const MIN_SECRET_LENGTH = 6;

/** The configured secrets of this process (keys, passwords, tokens), blanked out by exact value. */
const registered = new Set<string>();

/** Adds a configured secret to those `redactSecrets` blanks out everywhere in this process. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) registered.add(value);
}

/** Drops a secret that is no longer used (a replaced IAM token), so a long-lived worker's list stays short. */
export function forgetSecret(value: string | undefined): void {
  if (value) registered.delete(value);
}

/**
 * Replaces secrets in free text: the registered secrets and `known` (exact values), then the patterns. Longer
 * values first, so a secret that contains another is blanked whole.
 */
export function redactSecrets(text: string, known: readonly (string | undefined)[] = []): string {
  let out = text;
  const values = [...registered, ...known.filter((v): v is string => !!v && v.length >= MIN_SECRET_LENGTH)];
  for (const value of values.sort((a, b) => b.length - a.length)) out = out.split(value).join(REDACTED);
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
