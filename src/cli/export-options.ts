/**
 * Every option of the ModelArts create-export-task API as a flag, and the mapping from flags to the wire request.
 *
 * Each flag is checked as commander parses it (friendly names from modelarts/friendly.ts, formats from
 * modelarts/validation.ts), so a bad value stops the CLI with exit 2 and a message naming the flag and the allowed
 * values before anything is contacted. The assembled spec then goes through the same validation as the library
 * (parsePipelineSpec), with field names translated back to flags.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { z } from 'zod';
import {
  EXPORT_FORMAT_NAMES,
  EXPORT_TYPE_NAMES,
  SAMPLE_STATE_NAMES,
  toExportFormat,
  toExportType,
  toSampleState,
} from '../modelarts/friendly.js';
import type { CreateExportTaskRequest, ExportParams, SearchCondition } from '../modelarts/types.js';
import { ANNOTATION_FORMATS, VERSION_FORMATS } from '../modelarts/types.js';
import {
  idSchema,
  obsPathSchema,
  ratioStringSchema,
  searchConditionSchema,
  toValidationIssues,
  versionNameSchema,
} from '../modelarts/validation.js';
import { parseDuration } from '../spec/duration.js';
import { parsePipelineSpec, SpecError } from '../spec/pipeline.js';
import { ALLOWED_PLACEHOLDERS, expandPlaceholders, unknownPlaceholders } from '../workflows/placeholders.js';
import { UsageError } from './context.js';

/** Options as commander hands them over (already converted by the parsers below). */
export interface ExportFlags {
  exportType?: CreateExportTaskRequest['export_type'];
  format?: CreateExportTaskRequest['export_format'];
  annotationFormat?: CreateExportTaskRequest['annotation_format'];
  versionFormat?: CreateExportTaskRequest['version_format'];
  versionId?: string;
  sampleState?: CreateExportTaskRequest['sample_state'];
  sourceTypeHeader?: string;
  withColumnHeader?: boolean;
  /** `--no-column-header` sets this to false; commander defaults it to true. */
  columnHeader?: boolean;
  newDataset?: string;
  newDatasetWorkPath?: string;
  newDatasetVersionName?: string;
  newDatasetVersionFormat?: string;
  samples?: string[];
  searchCondition?: SearchCondition[];
  /** `--no-clear-hard-property` sets this to false; commander defaults it to true. */
  clearHardProperty?: boolean;
  ratioSampleUsage?: boolean;
  trainSampleRatio?: string;
  deadline?: number;
  summary?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Parsers: each throws InvalidArgumentError, which commander prints as
// "error: option '--flag <x>' argument 'y' is invalid. <our message>" and we turn into exit 2.
// ---------------------------------------------------------------------------------------------------------------

function friendly<T>(convert: (value: string) => T, allowed: string): (value: string) => T {
  return (value) => {
    try {
      return convert(value);
    } catch {
      throw new InvalidArgumentError(`Allowed: ${allowed}.`);
    }
  };
}

/** Case-insensitive match against a fixed list, answering with the list's own spelling (coco → COCO). */
function oneOf<T extends string>(values: readonly T[]): (value: string) => T {
  return (value) => {
    const match = values.find((v) => v.toLowerCase() === value.trim().toLowerCase());
    if (match === undefined) throw new InvalidArgumentError(`Allowed: ${values.join(', ')}.`);
    return match;
  };
}

function matching(schema: z.ZodType<string>): (value: string) => string {
  return (value) => {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    throw new InvalidArgumentError(`It ${result.error.issues[0]?.message ?? 'is not valid'}.`);
  };
}

const names = (table: Record<string, unknown>) => Object.keys(table).join(', ');
const SOURCE_TYPE_HEADERS = ['obs://', 's3://'] as const;

export const parseExportType = friendly(
  (v) => toExportType(v),
  `${names(EXPORT_TYPE_NAMES)} (or the API values ${Object.values(EXPORT_TYPE_NAMES).join(', ')})`,
);
export const parseExportFormat = friendly(
  (v) => toExportFormat(v),
  `${names(EXPORT_FORMAT_NAMES)} (or the API values ${Object.values(EXPORT_FORMAT_NAMES).join(', ')})`,
);
export const parseSampleState = friendly(
  (v) => toSampleState(v),
  `${names(SAMPLE_STATE_NAMES)}, or an API value such as __ALL__`,
);
/** An OBS path, which may hold time placeholders ({date}, …; see src/workflows/placeholders.ts). */
export function parseObsPath(value: string): string {
  const unknown = unknownPlaceholders(value);
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `Unknown placeholder ${unknown.map((n) => `{${n}}`).join(', ')}; allowed: ${ALLOWED_PLACEHOLDERS}.`,
    );
  }
  matching(obsPathSchema)(expandPlaceholders(value, new Date(0)));
  return value;
}
export const parseId = matching(idSchema);

export function parseDeadline(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError('Use a duration such as 90m, 6h or 2d (or milliseconds).');
  return ms;
}

function parseSamples(value: string, previous: string[] | undefined): string[] {
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0) throw new InvalidArgumentError('Give sample ids separated by commas, e.g. --samples id1,id2.');
  return [...(previous ?? []), ...ids];
}

function parseSearchCondition(value: string, previous: SearchCondition[] | undefined): SearchCondition[] {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError(`It is not JSON. Example: '{"label_list":{"labels":[{"name":"cat"}]}}'.`);
  }
  const result = searchConditionSchema.safeParse(json, { reportInput: true });
  if (!result.success) {
    throw new InvalidArgumentError(
      toValidationIssues(result.error)
        .map((i) => i.message)
        .join('; '),
    );
  }
  return [...(previous ?? []), result.data as SearchCondition];
}

// ---------------------------------------------------------------------------------------------------------------
// The flags
// ---------------------------------------------------------------------------------------------------------------

/** Attribute names of the export flags, for `--spec` conflicts. */
export const EXPORT_OPTION_ATTRIBUTES = [
  'exportType',
  'format',
  'annotationFormat',
  'versionFormat',
  'versionId',
  'sampleState',
  'sourceTypeHeader',
  'withColumnHeader',
  'columnHeader',
  'newDataset',
  'newDatasetWorkPath',
  'newDatasetVersionName',
  'newDatasetVersionFormat',
  'samples',
  'searchCondition',
  'clearHardProperty',
  'ratioSampleUsage',
  'trainSampleRatio',
  'deadline',
  'summary',
] as const;

/** An option whose value goes through `parse` (which throws InvalidArgumentError naming the allowed values). */
function opt<T>(flags: string, description: string, parse?: (value: string, previous: T) => T): Option {
  const option = new Option(flags, description);
  return parse ? option.argParser(parse) : option;
}

const VERSION_FORMAT_LIST = VERSION_FORMATS.join(' | ');

export function addExportOptions(cmd: Command): Command {
  return cmd
    .addOption(opt('--export-type <type>', `samples: ${names(EXPORT_TYPE_NAMES)} (default labeled)`, parseExportType))
    .addOption(opt('--format <format>', 'file layout: tree (class/1.jpg) or tile (1.jpg, 1.txt)', parseExportFormat))
    .addOption(opt('--annotation-format <format>', 'annotation format: VOC | COCO', oneOf(ANNOTATION_FORMATS)))
    .addOption(opt('--version-format <format>', `version format: ${VERSION_FORMAT_LIST}`, oneOf(VERSION_FORMATS)))
    .addOption(opt('--version-id <id>', 'export this dataset version', parseId))
    .addOption(opt('--sample-state <state>', 'samples in this state: accepted, unchecked, …', parseSampleState))
    .addOption(opt('--source-type-header <prefix>', 'manifest path prefix: obs:// | s3://', oneOf(SOURCE_TYPE_HEADERS)))
    .addOption(opt('--with-column-header', 'write a CSV header line (table datasets)').conflicts('columnHeader'))
    .addOption(opt('--no-column-header', 'write no CSV header line (table datasets)'))
    .addOption(opt('--new-dataset <name>', 'export into a new dataset with this name (with --new-dataset-work-path)'))
    .addOption(opt('--new-dataset-work-path <obs-path>', 'output path of the new dataset', parseObsPath))
    .addOption(opt('--new-dataset-version-name <name>', 'version name of the export', matching(versionNameSchema)))
    .addOption(
      opt('--new-dataset-version-format <format>', `version format: ${VERSION_FORMAT_LIST}`, oneOf(VERSION_FORMATS)),
    )
    .addOption(opt('--samples <ids>', 'only these sample ids, comma separated (repeatable)', parseSamples))
    .addOption(opt('--search-condition <json>', 'a SearchCondition as JSON (repeat for OR)', parseSearchCondition))
    .addOption(opt('--no-clear-hard-property', 'keep the "hard example" attribute on exported samples'))
    .addOption(opt('--ratio-sample-usage', 'split samples into training/validation by --train-sample-ratio'))
    .addOption(opt('--train-sample-ratio <ratio>', 'training share "0.00" to "1.00"', matching(ratioStringSchema)))
    .addOption(opt('--deadline <duration>', 'give up waiting on a step after this long: 90m, 6h, 2d', parseDeadline))
    .addOption(opt('--summary <text>', 'summary shown for the run in the Temporal UI'));
}

// ---------------------------------------------------------------------------------------------------------------
// Flags → request and spec
// ---------------------------------------------------------------------------------------------------------------

/** Builds the wire request: only what the user asked for, so the service's own defaults apply to the rest. */
export function exportRequestFromFlags(path: string, f: ExportFlags): CreateExportTaskRequest {
  const params: ExportParams = {};
  if (f.newDataset !== undefined || f.newDatasetWorkPath !== undefined) {
    params.export_dest = 'NEW_DATASET';
    if (f.newDataset !== undefined) params.export_new_dataset_name = f.newDataset;
    if (f.newDatasetWorkPath !== undefined) params.export_new_dataset_work_path = f.newDatasetWorkPath;
  }
  if (f.newDatasetVersionName !== undefined) params.export_dataset_version_name = f.newDatasetVersionName;
  if (f.newDatasetVersionFormat !== undefined) params.export_dataset_version_format = f.newDatasetVersionFormat;
  if (f.samples !== undefined) params.samples = f.samples;
  if (f.searchCondition !== undefined) params.search_conditions = f.searchCondition;
  if (f.clearHardProperty === false) params.clear_hard_property = false;
  if (f.ratioSampleUsage) params.ratio_sample_usage = true;
  if (f.trainSampleRatio !== undefined) params.train_sample_ratio = f.trainSampleRatio;

  const request: CreateExportTaskRequest = { path };
  if (f.exportType !== undefined) request.export_type = f.exportType;
  if (f.format !== undefined) request.export_format = f.format;
  if (f.annotationFormat !== undefined) request.annotation_format = f.annotationFormat;
  if (f.versionFormat !== undefined) request.version_format = f.versionFormat;
  if (f.versionId !== undefined) request.version_id = f.versionId;
  if (f.sampleState !== undefined) request.sample_state = f.sampleState;
  if (f.sourceTypeHeader !== undefined) request.source_type_header = f.sourceTypeHeader;
  if (f.withColumnHeader) request.with_column_header = true;
  if (f.columnHeader === false) request.with_column_header = false;
  if (Object.keys(params).length > 0) request.export_params = params;
  return request;
}

/** The spec `start --dataset --path [export options]` runs: one export step. */
export function specFromFlags(datasetId: string, path: string, f: ExportFlags): Record<string, unknown> {
  return {
    steps: [{ kind: 'export', datasetId, request: exportRequestFromFlags(path, f) }],
    ...(f.deadline !== undefined ? { wait: { deadline: f.deadline } } : {}),
    ...(f.summary !== undefined ? { summary: f.summary } : {}),
  };
}

/** Spec fields as the flags that set them, for messages. */
const FIELD_FLAGS: [RegExp, string][] = [
  [/^steps\[0\]\.datasetId/, '--dataset'],
  [/^steps\[0\]\.request\.path/, '--path'],
  [/^steps\[0\]\.request\.export_type/, '--export-type'],
  [/^steps\[0\]\.request\.export_format/, '--format'],
  [/^steps\[0\]\.request\.annotation_format/, '--annotation-format'],
  [/^steps\[0\]\.request\.version_format/, '--version-format'],
  [/^steps\[0\]\.request\.version_id/, '--version-id'],
  [/^steps\[0\]\.request\.sample_state/, '--sample-state'],
  [/^steps\[0\]\.request\.source_type_header/, '--source-type-header'],
  [/^steps\[0\]\.request\.with_column_header/, '--with-column-header'],
  [/^steps\[0\]\.request\.export_params\.export_new_dataset_name/, '--new-dataset'],
  [/^steps\[0\]\.request\.export_params\.export_new_dataset_work_path/, '--new-dataset-work-path'],
  [/^steps\[0\]\.request\.export_params\.export_dataset_version_name/, '--new-dataset-version-name'],
  [/^steps\[0\]\.request\.export_params\.export_dataset_version_format/, '--new-dataset-version-format'],
  [/^steps\[0\]\.request\.export_params\.samples/, '--samples'],
  [/^steps\[0\]\.request\.export_params\.search_conditions/, '--search-condition'],
  [/^steps\[0\]\.request\.export_params\.clear_hard_property/, '--no-clear-hard-property'],
  [/^steps\[0\]\.request\.export_params\.ratio_sample_usage/, '--ratio-sample-usage'],
  [/^steps\[0\]\.request\.export_params\.train_sample_ratio/, '--train-sample-ratio'],
  [/^wait\.deadline/, '--deadline'],
  [/^summary/, '--summary'],
];

export function flagForField(field: string): string | undefined {
  return FIELD_FLAGS.find(([pattern]) => pattern.test(field))?.[1];
}

/**
 * Runs the library's own validation on a spec built from flags, so the CLI can never start what the library would
 * reject; problems are reported per flag ("--new-dataset-work-path: is required when export_dest is NEW_DATASET").
 */
export function checkFlagSpec(spec: unknown, command = 'start'): void {
  try {
    parsePipelineSpec(spec);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    const lines = err.issues.map((issue) => {
      const flag = flagForField(issue.field);
      return flag && issue.message.startsWith(issue.field)
        ? `${flag}${issue.message.slice(issue.field.length)}`
        : issue.message;
    });
    throw new UsageError(lines.join('\n'), command);
  }
}
