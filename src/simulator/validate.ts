/** Shared request checks: OBS paths, Jackson-style integer coercion, paging query parameters. */
import { z } from 'zod';
import { Errors, type ApiError } from './errors.js';

/**
 * Integers the way the Java service binds them: JSON numbers, or strings holding an integer (the docs' own
 * auto-grouping example sends `"n_clusters": "2"`).
 */
export const intLike = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number),
]);

export const intIn = <const T extends readonly [number, ...number[]]>(values: T) =>
  intLike.pipe(z.number().refine((v) => (values as readonly number[]).includes(v)));

/** A ratio sent as a string ("0.80") per the docs, or a plain number; must lie in [0, 1]. */
export const ratio = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^\s*\d+(\.\d+)?\s*$/)
      .transform(Number),
  ])
  .pipe(z.number().min(0).max(1));

export type ObsPathProblem = 'invalid' | 'double-slash' | 'bucket-root' | 'characters';

/** `documented`: ModelArts.4313's list (digits, letters, `-`, `_`, `/`); `any`: a region that accepts more. */
export type ObsPathCharacters = 'documented' | 'any';

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const DOCUMENTED = /^[A-Za-z0-9_/-]*$/;
// eslint-disable-next-line no-control-regex -- control characters are what this rejects
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** OBS object keys are at most 1,024 bytes. */
const MAX_PATH_BYTES = 1024;

/**
 * OBS paths come as `/bucket/dir/`, `obs://bucket/dir/` or `s3://bucket/dir/` (all three appear in the docs'
 * examples). Characters allowed per ModelArts.4313: "digits, letters, hyphens (-), underscores (_), slashes (/)"
 * (`characters`: 4313), unless the simulator plays a region that accepts more; `//` is 4315. A manifest file
 * (`fileName`) may have dots in its name: the docs' own import example is `.../V002.manifest`.
 */
export function obsPathProblem(
  path: string,
  characters: ObsPathCharacters = 'documented',
  fileName = false,
): ObsPathProblem | undefined {
  const rest = /^(obs|s3):\/\//.test(path)
    ? path.replace(/^(obs|s3):\/\//, '')
    : path.startsWith('/')
      ? path.slice(1)
      : undefined;
  if (rest === undefined || rest === '') return 'invalid';
  if (Buffer.byteLength(path) > MAX_PATH_BYTES || CONTROL.test(path)) return 'invalid';
  if (rest.includes('//')) return 'double-slash';
  const segments = rest.replace(/\/$/, '').split('/');
  const [bucket, ...dirs] = segments;
  if (!bucket || !BUCKET.test(bucket)) return 'invalid';
  if (characters === 'documented') {
    const cut = fileName ? rest.lastIndexOf('/') + 1 : rest.length;
    if (!DOCUMENTED.test(rest.slice(0, cut)) || !DOCUMENTED.test(rest.slice(cut).replace(/\./g, '')))
      return 'characters';
  }
  return dirs.length === 0 ? 'bucket-root' : undefined;
}

/** `/bucket/dir` → `/bucket/dir/`; the dataset view's `inner_*` paths are built on it. */
export function asDirectory(path: string): string {
  return path.endsWith('/') ? path : `${path}/`;
}

export interface Paging {
  limit: number;
  /** A page index, not a record offset: the docs call it "start page", and otcextensions adds 1 per page. */
  offset: number;
}

function queryInt(
  query: URLSearchParams,
  name: string,
  min: number,
  max: number,
  fallback: number,
  error: () => ApiError,
): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) throw error();
  const value = Number(raw);
  if (value < min || value > max) throw error();
  return value;
}

export function paging(
  query: URLSearchParams,
  maxLimit = 100,
  defaultLimit = 10,
  error = Errors.invalidRequest,
): Paging {
  return {
    limit: queryInt(query, 'limit', 1, maxLimit, defaultLimit, error),
    offset: queryInt(query, 'offset', 0, Number.MAX_SAFE_INTEGER, 0, error),
  };
}

export function page<T>(items: T[], { limit, offset }: Paging): T[] {
  return items.slice(offset * limit, offset * limit + limit);
}

/** An optional integer query parameter restricted to `allowed`. */
export function queryEnum(
  query: URLSearchParams,
  name: string,
  allowed: readonly number[],
  error = Errors.invalidRequest,
): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw) || !allowed.includes(Number(raw))) throw error();
  return Number(raw);
}

/** `true`/`false` in any case, as a Java service binds them (openstacksdk sends `True`/`False`); anything else is 400. */
export function queryBool(query: URLSearchParams, name: string): boolean | undefined {
  const raw = query.get(name)?.toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw Errors.invalidRequest();
}
