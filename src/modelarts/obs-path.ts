/**
 * OBS paths and ids as ModelArts documents them, checked before anything is sent.
 *
 * Two levels: the **structure** every path must have (scheme or leading `/`, a bucket name, no `//`, no `.`/`..`
 * folders, no control characters, at most 1,024 bytes: the OBS object-key limit), which the client always checks;
 * and the **documented characters** of ModelArts.4313 ("OBS path is invalid": digits, letters, `-`, `_`, `/`),
 * which the run spec checks unless it says `pathCharacters: "any"` (for regions that accept more).
 */

/** `documented`: only the characters ModelArts.4313 lists; `any`: whatever the region accepts (structure only). */
export const PATH_CHARACTERS = ['documented', 'any'] as const;
export type PathCharacters = (typeof PATH_CHARACTERS)[number];

/** OBS object keys are at most 1,024 bytes (UTF-8); the whole path is held to it. */
export const OBS_PATH_MAX_BYTES = 1024;

/** What ModelArts.4313 lists, for messages. */
export const DOCUMENTED_PATH_CHARACTERS = 'digits, letters, "-", "_" and "/" (ModelArts.4313)';

/** OBS bucket names: 3-63 lowercase letters, digits, hyphens and periods. */
export const BUCKET_PATTERN = '[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]';

const SCHEME = /^(?:obs:\/\/|s3:\/\/|\/)/;
const BUCKET = new RegExp(`^${BUCKET_PATTERN}$`);
const DOCUMENTED = /^[A-Za-z0-9_/-]$/;
/** C0 and C1 controls, DEL, and the bidi embeddings, overrides and isolates (they make text display misleadingly). */
// eslint-disable-next-line no-control-regex -- control characters are what this rejects
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

/** `"." (U+002E)`: a character as messages show it. */
export function describeCharacter(ch: string): string {
  const code = `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return UNSAFE.test(ch) ? code : `${JSON.stringify(ch)} (${code})`;
}

/** The first control or bidi-override character in the text, if any. */
export function unsafeCharacter(text: string): string | undefined {
  return UNSAFE.exec(text)?.[0];
}

const UNSAFE_ALL = new RegExp(UNSAFE.source, 'gu');

/** JSON-quoted, with bidi overrides and C1 controls escaped too (JSON.stringify escapes only C0). */
const quote = (text: string) =>
  JSON.stringify(text).replace(UNSAFE_ALL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** A value as a message echoes it: quoted (so control characters show as escapes), cut to `max` characters. */
export function echo(value: string, max = 60): string {
  const chars = Array.from(value);
  if (chars.length <= max) return quote(value);
  return `${quote(chars.slice(0, max).join(''))}… (${chars.length} characters)`;
}

export const byteLength = (text: string): number => new TextEncoder().encode(text).length;

/**
 * What is wrong with the path's structure (not its character set), as a message without the field name; undefined
 * when it is a usable OBS path.
 */
export function obsPathStructureProblem(path: string): string | undefined {
  const problem = structureProblem(path);
  return problem && `${problem}; got ${echo(path)}`;
}

function structureProblem(path: string): string | undefined {
  const bytes = byteLength(path);
  if (bytes > OBS_PATH_MAX_BYTES)
    return `is ${bytes} bytes long; an OBS path is at most ${OBS_PATH_MAX_BYTES} bytes (the OBS object-key limit)`;
  const bad = unsafeCharacter(path);
  if (bad) return `must not contain control characters; found ${describeCharacter(bad)}`;
  const scheme = SCHEME.exec(path)?.[0];
  const shape =
    'must be an OBS path such as /bucket/dir/, obs://bucket/dir/ or s3://bucket/dir/ ' +
    '(bucket: 3-63 lowercase letters, digits, "-", ".")';
  if (scheme === undefined) return shape;
  const [bucket, ...rest] = path.slice(scheme.length).split('/');
  if (!bucket || !BUCKET.test(bucket)) return shape;
  // `/bucket/dir/` splits into a trailing ''; any other empty folder is a `//`.
  const folders = rest.at(-1) === '' ? rest.slice(0, -1) : rest;
  if (folders.some((f) => f === '')) return 'must be an OBS path without "//" (ModelArts.4315)';
  if (folders.some((f) => f === '.' || f === '..')) return 'must not have "." or ".." as a folder name';
  return undefined;
}

/**
 * The first character of the path outside ModelArts.4313's list (the scheme prefix aside). A manifest file (an
 * import of `import_type: "manifest"`) may have dots in its file name: the docs' own example imports `V002.manifest`.
 */
export function undocumentedPathCharacter(path: string, options: { fileName?: boolean } = {}): string | undefined {
  const rest = path.replace(/^(?:obs|s3):\/\//, '/');
  const cut = options.fileName ? rest.lastIndexOf('/') + 1 : rest.length;
  const checked = Array.from(rest.slice(0, cut));
  const file = Array.from(rest.slice(cut));
  return checked.find((ch) => !DOCUMENTED.test(ch)) ?? file.find((ch) => ch !== '.' && !DOCUMENTED.test(ch));
}

/** The message for a character outside the documented list (without the field name). */
export function undocumentedCharacterMessage(ch: string, optOut: string): string {
  return `character ${describeCharacter(ch)} is not allowed in an OBS path: use ${DOCUMENTED_PATH_CHARACTERS}, or ${optOut}`;
}
