/**
 * Every option of the ModelArts create-export-task API as a flag, and how the flags make the run spec.
 *
 * EXPORT_FLAGS is the one list of them: each flag's spelling, the spec field it sets, its parser and help. The
 * commander options, the `--spec` conflicts, the spec built from the flags and the flag named in a validation
 * message all come from it. Each flag is checked as commander parses it (friendly names from modelarts/friendly.ts,
 * formats from modelarts/validation.ts), so a bad value stops the CLI with exit 2 and a message naming the flag and
 * the allowed values before anything is contacted. The assembled spec then goes through the same validation as
 * the library (parsePipelineSpec), with field names translated back to flags.
 */
import { readFile } from 'node:fs/promises';
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
import type { SearchCondition } from '../modelarts/types.js';
import { ANNOTATION_FORMATS, VERSION_FORMATS } from '../modelarts/types.js';
import {
  idSchema,
  ratioStringSchema,
  searchConditionSchema,
  toValidationIssues,
  versionNameSchema,
} from '../modelarts/validation.js';
import { parseDuration } from '../spec/duration.js';
import { PATH_CHARACTERS, obsPathStructureProblem, type PathCharacters } from '../modelarts/obs-path.js';
import { parsePipelineSpec, PATH_CHARACTERS_OPT_OUT, SpecError } from '../spec/pipeline.js';
import { ALLOWED_PLACEHOLDERS, expandPlaceholders, unknownPlaceholders } from '../contract/placeholders.js';
import { UsageError } from './context.js';

/** The flags every command that runs a spec takes, as commander hands them over; the export flags come on top. */
export interface ExportFlags {
  dataset?: string;
  path?: string;
  /** `--spec FILE.json`: a whole spec instead of the other flags. */
  spec?: string;
  /** `--path-characters any`: the opt-out from ModelArts.4313's character list (also with --spec). */
  pathCharacters?: PathCharacters;
}

const PATH_CHARACTERS_FLAG = '--path-characters any';

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
/** An OBS path, which may hold time placeholders ({date}, …; see src/contract/placeholders.ts). */
export function parseObsPath(value: string): string {
  const unknown = unknownPlaceholders(value);
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `Unknown placeholder ${unknown.map((n) => `{${n}}`).join(', ')}; allowed: ${ALLOWED_PLACEHOLDERS}.`,
    );
  }
  // The structure only: which characters are allowed depends on --path-characters, checked with the whole spec.
  const problem = obsPathStructureProblem(expandPlaceholders(value, new Date(0)));
  if (problem) throw new InvalidArgumentError(`It ${problem}.`);
  return value;
}
export const parseId = matching(idSchema);

export function parseDeadline(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError('Use a duration such as 90m, 6h or 2d (or milliseconds).');
  return ms;
}

/** A repeatable flag: each use adds to the list so far (commander passes back what the parser returned last). */
export function repeatable<T>(parse: (value: string) => T[]): (value: string, previous: unknown) => T[] {
  return (value, previous) => [...((previous as T[] | undefined) ?? []), ...parse(value)];
}

function parseSamples(value: string): string[] {
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0) throw new InvalidArgumentError('Give sample ids separated by commas, e.g. --samples id1,id2.');
  return ids;
}

function parseSearchCondition(value: string): SearchCondition[] {
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
  return [result.data as SearchCondition];
}

// ---------------------------------------------------------------------------------------------------------------
// The flags
// ---------------------------------------------------------------------------------------------------------------

interface ExportFlag {
  /** As commander takes it: `--export-type <type>`, `--with-column-header`, `--no-column-header`. */
  flag: string;
  /** The spec field it sets, as validation messages name it. */
  field: string;
  help: string;
  parse?: (value: string, previous: unknown) => unknown;
  /** A flag it cannot be given with. */
  conflicts?: string;
  /** Other fields that giving it sets (before its own). */
  implies?: Readonly<Record<string, unknown>>;
}

const REQUEST = 'steps[0].request.';
const PARAMS = `${REQUEST}export_params.`;
const NEW_DATASET = { [`${PARAMS}export_dest`]: 'NEW_DATASET' };
const VERSION_FORMAT_LIST = VERSION_FORMATS.join(' | ');

/** The one list of export flags, in help order; the field paths are the spec's (src/spec/pipeline.ts). */
const EXPORT_FLAGS: readonly ExportFlag[] = [
  { flag: '--dataset <id>', field: 'steps[0].datasetId', help: 'dataset to export', parse: parseId },
  {
    flag: '--path <obs-path>',
    field: `${REQUEST}path`,
    help: `OBS output folder (/bucket/dir/, obs://bucket/dir/ or s3://bucket/dir/); may contain ${ALLOWED_PLACEHOLDERS}`,
    parse: parseObsPath,
  },
  {
    flag: '--export-type <type>',
    field: `${REQUEST}export_type`,
    help: `samples: ${names(EXPORT_TYPE_NAMES)} (default labeled)`,
    parse: parseExportType,
  },
  {
    flag: '--format <format>',
    field: `${REQUEST}export_format`,
    help: 'file layout: tree (class/1.jpg) or tile (1.jpg, 1.txt)',
    parse: parseExportFormat,
  },
  {
    flag: '--annotation-format <format>',
    field: `${REQUEST}annotation_format`,
    help: 'annotation format: VOC | COCO',
    parse: oneOf(ANNOTATION_FORMATS),
  },
  {
    flag: '--version-format <format>',
    field: `${REQUEST}version_format`,
    help: `version format: ${VERSION_FORMAT_LIST}`,
    parse: oneOf(VERSION_FORMATS),
  },
  { flag: '--version-id <id>', field: `${REQUEST}version_id`, help: 'export this dataset version', parse: parseId },
  {
    flag: '--sample-state <state>',
    field: `${REQUEST}sample_state`,
    help: 'samples in this state: accepted, unchecked, …',
    parse: parseSampleState,
  },
  {
    flag: '--source-type-header <prefix>',
    field: `${REQUEST}source_type_header`,
    help: 'manifest path prefix: obs:// | s3://',
    parse: oneOf(['obs://', 's3://']),
  },
  {
    flag: '--with-column-header',
    field: `${REQUEST}with_column_header`,
    help: 'write a CSV header line (table datasets)',
    conflicts: '--no-column-header',
  },
  {
    flag: '--no-column-header',
    field: `${REQUEST}with_column_header`,
    help: 'write no CSV header line (table datasets)',
  },
  {
    flag: '--new-dataset <name>',
    field: `${PARAMS}export_new_dataset_name`,
    help: 'export into a new dataset with this name (with --new-dataset-work-path)',
    implies: NEW_DATASET,
  },
  {
    flag: '--new-dataset-work-path <obs-path>',
    field: `${PARAMS}export_new_dataset_work_path`,
    help: 'output path of the new dataset',
    parse: parseObsPath,
    implies: NEW_DATASET,
  },
  {
    flag: '--new-dataset-version-name <name>',
    field: `${PARAMS}export_dataset_version_name`,
    help: 'version name of the export',
    parse: matching(versionNameSchema),
  },
  {
    flag: '--new-dataset-version-format <format>',
    field: `${PARAMS}export_dataset_version_format`,
    help: `version format: ${VERSION_FORMAT_LIST}`,
    parse: oneOf(VERSION_FORMATS),
  },
  {
    flag: '--samples <ids>',
    field: `${PARAMS}samples`,
    help: 'only these sample ids, comma separated (repeatable)',
    parse: repeatable(parseSamples),
  },
  {
    flag: '--search-condition <json>',
    field: `${PARAMS}search_conditions`,
    help: 'a SearchCondition as JSON (repeat for OR)',
    parse: repeatable(parseSearchCondition),
  },
  {
    flag: '--no-clear-hard-property',
    field: `${PARAMS}clear_hard_property`,
    help: 'keep the "hard example" attribute on exported samples',
  },
  {
    flag: '--ratio-sample-usage',
    field: `${PARAMS}ratio_sample_usage`,
    help: 'split samples into training/validation by --train-sample-ratio',
  },
  {
    flag: '--train-sample-ratio <ratio>',
    field: `${PARAMS}train_sample_ratio`,
    help: 'training share "0.00" to "1.00"',
    parse: matching(ratioStringSchema),
  },
  {
    flag: '--deadline <duration>',
    field: 'wait.deadline',
    help: 'give up waiting on a step after this long: 90m, 6h, 2d',
    parse: parseDeadline,
  },
  {
    flag: '--expected-duration <duration>',
    field: 'wait.expectedDuration',
    help: 'how long the export usually takes (e.g. last time): the first status read aims shortly before it',
    parse: parseDeadline,
  },
  { flag: '--summary <text>', field: 'summary', help: 'summary shown for the run in the Temporal UI' },
  {
    flag: '--tenant <name>',
    field: 'tenant',
    help: 'whose ModelArts request budget the run counts against (fairness key; default "default")',
  },
];

/** Commander's reading of a flag: its attribute name (exportType), long name and whether it is a `--no-` flag. */
const optionOf = (flag: string) => new Option(flag);

/** `--spec FILE` and the export flags, as commander options. */
export function addExportOptions(cmd: Command): Command {
  cmd.addOption(
    new Option(
      '--spec <file>',
      'JSON run spec with one or more chained steps (instead of --dataset/--path and export options)',
    ).conflicts(EXPORT_FLAGS.map((entry) => optionOf(entry.flag).attributeName())),
  );
  cmd.addOption(
    new Option(
      '--path-characters <set>',
      'characters OBS paths may use: documented (digits, letters, "-", "_", "/"; ModelArts.4313) or any ' +
        '(for regions that accept more); also applies to --spec',
    ).choices(PATH_CHARACTERS),
  );
  for (const entry of EXPORT_FLAGS) {
    const option = new Option(entry.flag, entry.help);
    if (entry.parse) option.argParser(entry.parse);
    if (entry.conflicts) option.conflicts(optionOf(entry.conflicts).attributeName());
    cmd.addOption(option);
  }
  return cmd;
}

// ---------------------------------------------------------------------------------------------------------------
// Flags → spec
// ---------------------------------------------------------------------------------------------------------------

/** Sets a field such as `steps[0].request.export_type`, creating the objects and arrays on the way. */
function setField(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.match(/[^.[\]]+/g) ?? [];
  let node = target;
  for (const [i, key] of keys.entries()) {
    const next = keys[i + 1];
    if (next === undefined) node[key] = value;
    else node = (node[key] ??= /^\d+$/.test(next) ? [] : {}) as Record<string, unknown>;
  }
}

/**
 * One export step from the flags: only what the user asked for, so the service's own defaults apply to the rest.
 * A `--no-x` flag is true unless given, so only its false is taken.
 */
function specFromFlags(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const spec: Record<string, unknown> = { steps: [{ kind: 'export' }] };
  for (const entry of EXPORT_FLAGS) {
    const option = optionOf(entry.flag);
    const value = values[option.attributeName()];
    if (value === undefined || (option.negate && value === true)) continue;
    for (const [field, implied] of Object.entries(entry.implies ?? {})) setField(spec, field, implied);
    setField(spec, entry.field, value);
  }
  return spec;
}

/** The flag that sets a spec field (`steps[0].request.export_type...` → `--export-type`), for messages. */
function flagForField(field: string): string | undefined {
  const entry = EXPORT_FLAGS.find((e) => field.startsWith(e.field));
  return entry && optionOf(entry.flag).long;
}

/**
 * Runs the library's own validation on a spec built from flags, so the CLI can never start what the library would
 * reject; problems are reported per flag ("--new-dataset-work-path: is required when export_dest is NEW_DATASET").
 */
function checkFlagSpec(spec: unknown, command: string): void {
  try {
    parsePipelineSpec(spec);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    const lines = err.issues.map((issue) => {
      const flag = flagForField(issue.field);
      const message = issue.message.replace(PATH_CHARACTERS_OPT_OUT, `pass ${PATH_CHARACTERS_FLAG}`);
      return flag && message.startsWith(issue.field) ? `${flag}${message.slice(issue.field.length)}` : message;
    });
    throw new UsageError(lines.join('\n'), command);
  }
}

/** Reads and validates a `--spec FILE.json` (with --path-characters, if given); problems are usage errors. */
async function readSpecFile(file: string, command: string, pathCharacters?: PathCharacters): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `--spec ${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      command,
    );
  }
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--spec ${file}: not valid JSON (${(err as Error).message})`, command);
  }
  // The flag wins over the file: it is what the user asked for just now.
  if (pathCharacters !== undefined && typeof spec === 'object' && spec !== null && !Array.isArray(spec))
    spec = { ...spec, pathCharacters };
  try {
    parsePipelineSpec(spec);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    const optOut = `${PATH_CHARACTERS_OPT_OUT} in the spec or pass ${PATH_CHARACTERS_FLAG}`;
    const lines = err.issues.map((i) => `  - ${i.message.replace(PATH_CHARACTERS_OPT_OUT, optOut)}`);
    throw new UsageError(`--spec ${file}: invalid spec:\n${lines.join('\n')}`, command);
  }
  return spec;
}

/**
 * The spec `command` (start, schedule create) runs: the `--spec` file, or one export step from `--dataset`,
 * `--path` and the export flags. Validated as the library validates it; problems are usage errors of `command`.
 */
export async function specFromExportFlags(flags: ExportFlags, command: string): Promise<unknown> {
  if (flags.spec !== undefined) return readSpecFile(flags.spec, command, flags.pathCharacters);
  const missing = [flags.dataset === undefined && '--dataset', flags.path === undefined && '--path'].filter(Boolean);
  if (missing.length > 0) {
    throw new UsageError(
      `${command} needs --dataset ID and --path OBS_PATH, or --spec FILE.json; missing ${missing.join(' and ')}`,
      command,
    );
  }
  const values: Record<string, unknown> = { ...flags };
  if ((values.newDataset === undefined) !== (values.newDatasetWorkPath === undefined)) {
    throw new UsageError(
      '--new-dataset and --new-dataset-work-path go together: give both to export into a new dataset',
      command,
    );
  }
  const spec = specFromFlags(values);
  if (flags.pathCharacters !== undefined) spec.pathCharacters = flags.pathCharacters;
  checkFlagSpec(spec, command);
  return spec;
}
