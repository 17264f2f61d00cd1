/**
 * Friendly names for the API's numeric and `__X__`-style wire values, in one place. The CLI, the workflow spec and
 * error messages use these; the wire values are always accepted as well.
 */
import { ModelArtsValidationError } from './errors.js';
import {
  INTELLIGENT_TASK_STATUS_NAMES,
  SAMPLE_STATES,
  type ExportFormat,
  type ExportType,
  type IntelligentTaskStatus,
  type SampleState,
} from './types.js';

export const EXPORT_TYPE_NAMES = { labeled: 0, unlabeled: 1, all: 2, conditional: 3 } as const satisfies Record<
  string,
  ExportType
>;
export type ExportTypeName = keyof typeof EXPORT_TYPE_NAMES;

export const EXPORT_FORMAT_NAMES = { tree: 1, tile: 2 } as const satisfies Record<string, ExportFormat>;
export type ExportFormatName = keyof typeof EXPORT_FORMAT_NAMES;

/** `labeled` is `__ALL__`: the API's "all" means all labeled samples. */
export const SAMPLE_STATE_NAMES = {
  labeled: '__ALL__',
  unlabeled: '__NONE__',
  unchecked: '__UNCHECK__',
  accepted: '__ACCEPTED__',
  rejected: '__REJECTED__',
  unreviewed: '__UNREVIEWED__',
  reviewed: '__REVIEWED__',
  'workforce-sampled': '__WORKFORCE_SAMPLED__',
  'workforce-sampled-unchecked': '__WORKFORCE_SAMPLED_UNCHECK__',
  'workforce-sampled-checked': '__WORKFORCE_SAMPLED_CHECKED__',
  'workforce-sampled-accepted': '__WORKFORCE_SAMPLED_ACCEPTED__',
  'workforce-sampled-rejected': '__WORKFORCE_SAMPLED_REJECTED__',
  'auto-annotation': '__AUTO_ANNOTATION__',
} as const satisfies Record<string, SampleState>;
export type SampleStateName = keyof typeof SAMPLE_STATE_NAMES;

/** Reverse tables, for labels in messages and for display. */
const invert = <K extends string, V extends string | number>(table: Record<K, V>): Map<V, K> =>
  new Map(Object.entries(table).map(([k, v]) => [v as V, k as K]));
export const EXPORT_TYPE_LABELS = invert<ExportTypeName, ExportType>(EXPORT_TYPE_NAMES);
export const EXPORT_FORMAT_LABELS = invert<ExportFormatName, ExportFormat>(EXPORT_FORMAT_NAMES);
export const SAMPLE_STATE_LABELS = invert<SampleStateName, SampleState>(SAMPLE_STATE_NAMES);

/** Lists a table as `labeled (0), unlabeled (1), …` for messages. */
function describe(table: Record<string, string | number>): string {
  return Object.entries(table)
    .map(([name, value]) => `${name} (${value})`)
    .join(', ');
}

function reject(field: string, table: Record<string, string | number>, got: unknown): never {
  const allowed = [...Object.keys(table), ...Object.values(table)];
  throw new ModelArtsValidationError(
    [{ field, allowed, message: `${field}: must be one of ${describe(table)}; got ${JSON.stringify(got)}` }],
    field,
  );
}

/** Accepts a friendly name, the wire number, or the number as a string ("3"). */
export function toExportType(value: ExportTypeName | ExportType | string | number, field = 'export_type'): ExportType {
  return lookup(EXPORT_TYPE_NAMES, value, field);
}

export function toExportFormat(
  value: ExportFormatName | ExportFormat | string | number,
  field = 'export_format',
): ExportFormat {
  return lookup(EXPORT_FORMAT_NAMES, value, field);
}

/** Accepts a friendly name (case-insensitive, `_` or `-`) or a raw `__X__` value. */
export function toSampleState(value: SampleStateName | SampleState | string, field = 'sample_state'): SampleState {
  if ((SAMPLE_STATES as readonly string[]).includes(value)) return value as SampleState;
  const key = value.trim().toLowerCase().replace(/_/g, '-');
  if (key in SAMPLE_STATE_NAMES) return SAMPLE_STATE_NAMES[key as SampleStateName];
  return reject(field, SAMPLE_STATE_NAMES, value);
}

function lookup<V extends number>(table: Record<string, V>, value: string | number, field: string): V {
  const values = Object.values(table);
  if (typeof value === 'number') {
    if ((values as number[]).includes(value)) return value as V;
    return reject(field, table, value);
  }
  const key = value.trim().toLowerCase();
  if (key in table) return table[key]!;
  if (/^\d+$/.test(key) && (values as number[]).includes(Number(key))) return Number(key) as V;
  return reject(field, table, value);
}

/** Friendly name of an intelligent-task status (-1 queuing … 5 stopped); `unknown(N)` for undocumented values. */
export function intelligentTaskStatusName(status: number): string {
  return INTELLIGENT_TASK_STATUS_NAMES[status as IntelligentTaskStatus] ?? `unknown(${status})`;
}

export function exportTypeName(value: number): string {
  return EXPORT_TYPE_LABELS.get(value as ExportType) ?? `unknown(${value})`;
}

export function exportFormatName(value: number): string {
  return EXPORT_FORMAT_LABELS.get(value as ExportFormat) ?? `unknown(${value})`;
}

export function sampleStateName(value: string): string {
  return SAMPLE_STATE_LABELS.get(value as SampleState) ?? value;
}
