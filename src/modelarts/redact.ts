/**
 * One place that knows what a secret looks like, so logs and error messages never carry tokens, keys, passwords or
 * signatures. Use `REDACT_PATHS` with pino (`pino({ redact: REDACT_PATHS })`) and `redactSecrets` for free text.
 */

export const REDACTED = '[REDACTED]';

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
  // JSON or key=value secrets.
  [
    /((?:password|secret_?key|secretKey|security_?token|securityToken|auth_?token|authToken|access_?key|accessKey|MODELARTS_[A-Z_]*(?:KEY|TOKEN|PASSWORD)|OS_(?:PASSWORD|TOKEN|AUTH_TOKEN|SECRET_KEY|ACCESS_KEY)|HUAWEICLOUD_SDK_(?:AK|SK|SECURITY_TOKEN))["']?\s*[:=]\s*["']?)[^"',\s}&]+/gi,
    `$1${REDACTED}`,
  ],
  // Bare Keystone tokens: Huawei/OTC PKI tokens start with MII, Fernet tokens with gAAAAA.
  [/\b(?:MII|gAAAAA)[A-Za-z0-9+/=_-]{40,}/g, REDACTED],
];

/** Replaces secrets in free text; `known` adds exact values (e.g. the configured secret key) to blank out. */
export function redactSecrets(text: string, known: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const value of known) {
    // Very short values would blank out ordinary words; real secrets are long.
    if (value && value.length >= 6) out = out.split(value).join(REDACTED);
  }
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
