/**
 * One place that knows what a secret looks like, so logs and error messages never carry tokens, keys, passwords or
 * signatures. Use `REDACT_PATHS` with pino (`pino({ redact: REDACT_PATHS })`) and `redactSecrets` for free text.
 */

export const REDACTED = '[REDACTED]';

/** pino `redact` paths for objects we or our callers might log. Header names are lower-cased by Node. */
export const REDACT_PATHS: string[] = [
  'password',
  'secretKey',
  'secret_key',
  'securityToken',
  'security_token',
  'token',
  'authToken',
  'auth_token',
  'authorization',
  '*.password',
  '*.secretKey',
  '*.secret_key',
  '*.securityToken',
  '*.security_token',
  '*.token',
  '*.authToken',
  '*.auth_token',
  '*.authorization',
  'headers.authorization',
  'headers["x-auth-token"]',
  'headers["x-subject-token"]',
  'headers["x-security-token"]',
  '*.headers.authorization',
  '*.headers["x-auth-token"]',
  '*.headers["x-subject-token"]',
  '*.headers["x-security-token"]',
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
