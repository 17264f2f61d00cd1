/**
 * The run spec (`start --spec FILE.json`, `startRun`): validated in full before anything is started, with every
 * problem named by its path (`steps[1].request.export_format: must be one of 1 (tree), 2 (tile); got 7`).
 * The JSON Schema in docs/ is generated from these schemas (`npm run spec:schema`).
 */
import { z } from 'zod';
import {
  createExportTaskSchema,
  createImportTaskSchema,
  createVersionSchema,
  idSchema,
  startTaskSchema,
  toValidationIssues,
} from '../modelarts/validation.js';
import type { ValidationIssue } from '../modelarts/errors.js';
import {
  byteLength,
  obsPathStructureProblem,
  PATH_CHARACTERS,
  undocumentedCharacterMessage,
  undocumentedPathCharacter,
  type PathCharacters,
} from '../modelarts/obs-path.js';
import { DEFAULT_POLICY, validatePolicy, withDefaults, type PollPolicy } from '../polling/policy.js';
import type { PipelineSpec } from '../workflows/types.js';
import {
  ALLOWED_PLACEHOLDERS,
  expandPlaceholders,
  hasPlaceholders,
  PLACEHOLDER_FIELDS,
  unknownPlaceholders,
} from '../contract/placeholders.js';
import { RUN_ORIGINS, TENANT_PATTERN } from '../budget/classes.js';
import { parseDuration } from './duration.js';
import { timeZoneProblem } from './schedule.js';

export class SpecError extends Error {
  constructor(readonly issues: ValidationIssue[]) {
    super(`Invalid spec: ${issues.map((i) => i.message).join('; ')}`);
    this.name = 'SpecError';
  }
}

const datasetId = idSchema.describe('Dataset id; defaults to the dataset the previous step produced');

export const exportStepSchema = z.strictObject({
  kind: z.literal('export'),
  datasetId: datasetId.optional(),
  request: createExportTaskSchema.describe('The ModelArts create-export-task body, field for field'),
  version: z
    .literal('previous')
    .describe(
      "'previous': export exactly the version the latest earlier publish-version step published (its version_id)",
    )
    .optional(),
});

export const intelligentTaskStepSchema = z.strictObject({
  kind: z.literal('intelligent-task'),
  datasetId: datasetId.optional(),
  request: startTaskSchema.describe('The ModelArts start-intelligent-task body, field for field'),
});

export const waitTaskStepSchema = z.strictObject({
  kind: z.literal('wait-task'),
  datasetId: datasetId.optional(),
  taskId: idSchema.describe('Id of an intelligent task that already exists'),
});

export const importStepSchema = z.strictObject({
  kind: z.literal('import'),
  datasetId: datasetId.optional(),
  request: createImportTaskSchema.describe('The ModelArts create-import-task body, field for field'),
});

/** The run appends its reattach marker (about 120 characters at most) to the description, within the 256 allowed. */
export const MAX_VERSION_DESCRIPTION = 128;

export const publishVersionStepSchema = z.strictObject({
  kind: z.literal('publish-version'),
  datasetId: datasetId.optional(),
  request: createVersionSchema
    .refine((r) => (r.description ?? '').length <= MAX_VERSION_DESCRIPTION, {
      path: ['description'],
      error: `must be at most ${MAX_VERSION_DESCRIPTION} characters (the run adds its marker to it)`,
    })
    .describe('The ModelArts create-version body, field for field'),
});

export const stepSchema = z.discriminatedUnion('kind', [
  exportStepSchema,
  intelligentTaskStepSchema,
  waitTaskStepSchema,
  importStepSchema,
  publishVersionStepSchema,
]);

const policyKeys = Object.keys(DEFAULT_POLICY) as (keyof PollPolicy)[];

export const waitSchema = z.strictObject({
  deadline: z
    .union([z.string(), z.number().positive()])
    .describe('Bound on each step\'s wait: milliseconds, or a duration such as "90m", "6h", "2d"')
    .optional(),
  // What parsing writes back, so that a parsed spec is itself a valid spec.
  deadlineMs: z
    .number()
    .positive()
    .describe('The same bound in milliseconds (what `deadline` is parsed into)')
    .optional(),
  maxReadsPerRun: z.int().min(2).max(1000).describe('Continue-as-new after this many status reads').optional(),
  unknownStatusLimitMs: z
    .number()
    .positive()
    .describe('How long a task may answer a status no document lists before its step fails (default 30 minutes)')
    .optional(),
  malformedReadLimit: z
    .int()
    .min(1)
    .max(1000)
    .describe('Status answers in a shape the API does not document, in a row, that fail the step (default 5)')
    .optional(),
  failedReadLimitMs: z
    .number()
    .positive()
    .describe(
      'How long status reads may keep failing (HTML, 5xx, network, 429) before the step fails (default 60 minutes)',
    )
    .optional(),
  expectedDuration: z
    .union([z.string(), z.number().positive(), z.array(z.union([z.string(), z.number().min(0)]))])
    .describe(
      'Duration prior: how long each step\'s task takes (e.g. what it took last time), ms or "45m"; one for all ' +
        'steps or one per step (0: none). The first status read then aims shortly before it',
    )
    .optional(),
  // What parsing writes back (and what a schedule-started run fills in from the schedule's recent runs).
  expectedDurationMs: z.union([z.number().positive(), z.array(z.number().min(0))]).optional(),
  shortestDurationMs: z.union([z.number().positive(), z.array(z.number().min(0))]).optional(),
  policy: z
    .partialRecord(z.enum(policyKeys as [string, ...string[]]), z.unknown())
    .describe('Overrides of the polling policy (DEFAULT_POLICY in src/polling/policy.ts)')
    .optional(),
});

/** A spec is at most 1 MiB as JSON: it is the run's input, under Temporal's 2 MB payload limit with room to spare. */
export const MAX_SPEC_BYTES = 1024 * 1024;
export const MAX_STEPS = 100;

export const pipelineSpecSchema = z.strictObject({
  steps: z
    .array(stepSchema)
    .min(1, { error: 'must list at least one step' })
    .max(MAX_STEPS, { error: `must list at most ${MAX_STEPS} steps` }),
  wait: waitSchema.optional(),
  summary: z.string().max(200).describe('Shown as the run summary in the Temporal UI').optional(),
  timezone: z
    .string()
    .describe('IANA time zone for {date}, {time}, … placeholders in export paths (default UTC)')
    .optional(),
  tenant: z
    .string()
    .regex(TENANT_PATTERN, {
      error: 'must be 1-64 letters, digits or . _ : / - (starting with a letter or digit), e.g. a ModelArts project id',
    })
    .describe(
      'Whose request budget the run counts against (the fairness key): the ModelArts project, or a team in it; default "default"',
    )
    .optional(),
  origin: z
    .enum(RUN_ORIGINS as [string, ...string[]])
    .describe('interactive runs go ahead of schedule runs in the request budget; schedules set "schedule"')
    .optional(),
  pathCharacters: z
    .enum(PATH_CHARACTERS)
    .describe(
      'Characters OBS paths may use: "documented" (default: digits, letters, "-", "_", "/", as ModelArts.4313 ' +
        'lists them) or "any" (for regions that accept more; length, "." and ".." folders and control characters ' +
        'are still checked)',
    )
    .optional(),
});

/** How a spec is parsed: `pathCharacters` applies to specs that do not name their own. */
export interface ParseOptions {
  pathCharacters?: PathCharacters;
}

/** The opt-out as messages name it. */
export const PATH_CHARACTERS_OPT_OUT = 'set pathCharacters: "any"';

function sizeIssue(input: unknown): ValidationIssue | undefined {
  let text: string | undefined;
  try {
    text = JSON.stringify(input);
  } catch (err) {
    return { field: '(spec)', message: `(spec): must be plain JSON (${(err as Error).message})` };
  }
  const bytes = byteLength(text ?? '');
  if (bytes <= MAX_SPEC_BYTES) return undefined;
  return {
    field: '(spec)',
    message: `(spec): is ${bytes} bytes as JSON; a spec is at most ${MAX_SPEC_BYTES} bytes (1 MiB)`,
  };
}

/**
 * The OBS paths of the (placeholder-filled) input checked against ModelArts.4313's character list. Paths with a
 * structural problem are left to the schema, which reports them.
 */
function undocumentedCharacterIssues(input: unknown): ValidationIssue[] {
  if (!isRecord(input) || !Array.isArray(input.steps)) return [];
  const issues: ValidationIssue[] = [];
  const check = (field: string, value: unknown, fileName = false) => {
    if (typeof value !== 'string' || obsPathStructureProblem(value) !== undefined) return;
    const ch = undocumentedPathCharacter(value, { fileName });
    if (ch !== undefined)
      issues.push({ field, message: `${field}: ${undocumentedCharacterMessage(ch, PATH_CHARACTERS_OPT_OUT)}` });
  };
  input.steps.forEach((step: unknown, index) => {
    if (!isRecord(step) || !isRecord(step.request)) return;
    const request = step.request;
    const at = `steps[${index}].request`;
    const workPath = (params: unknown, prefix: string) => {
      if (isRecord(params)) check(`${prefix}.export_new_dataset_work_path`, params.export_new_dataset_work_path);
    };
    if (step.kind === 'export') {
      check(`${at}.path`, request.path);
      workPath(request.export_params, `${at}.export_params`);
    } else if (step.kind === 'import') {
      if (request.import_origin === undefined || request.import_origin === 'obs')
        check(`${at}.import_path`, request.import_path, request.import_type === 'manifest');
    } else if (step.kind === 'intelligent-task' && isRecord(request.config)) {
      workPath(request.config.export_params, `${at}.config.export_params`);
    }
  });
  return issues;
}

function pathCharactersOf(input: unknown, options: ParseOptions): PathCharacters {
  const own = isRecord(input) ? input.pathCharacters : undefined;
  if (own === 'any' || own === 'documented') return own;
  return options.pathCharacters ?? 'documented';
}

/** Any fixed time works: every placeholder has a fixed width and uses only digits (and `-`, `T`, `Z`). */
const SAMPLE_TIME = new Date(Date.UTC(2024, 11, 31, 23, 59, 58));

interface Filled {
  field: string;
  keys: readonly string[];
  step: number;
  original: string;
  sample: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Export paths may hold time placeholders (src/contract/placeholders.ts). They are checked here: unknown names are
 * reported, and the value must be valid with sample values filled in. Returns a copy of the input with the sample
 * values in place (for the schema check) and what was filled in (to put the originals back afterwards).
 */
function fillSamplePlaceholders(input: unknown): { input: unknown; filled: Filled[]; issues: ValidationIssue[] } {
  const filled: Filled[] = [];
  const issues: ValidationIssue[] = [];
  if (!isRecord(input) || !Array.isArray(input.steps)) return { input, filled, issues };
  const steps = input.steps.map((step: unknown, index) => {
    if (!isRecord(step) || step.kind !== 'export' || !isRecord(step.request)) return step;
    const request: Record<string, unknown> = { ...step.request };
    if (isRecord(request.export_params)) request.export_params = { ...request.export_params };
    for (const keys of PLACEHOLDER_FIELDS) {
      const holder = keys.length === 1 ? request : request[keys[0]!];
      const key = keys[keys.length - 1]!;
      if (!isRecord(holder)) continue;
      const value = holder[key];
      if (typeof value !== 'string' || !hasPlaceholders(value)) continue;
      const field = `steps[${index}].request.${keys.join('.')}`;
      const unknown = unknownPlaceholders(value);
      if (unknown.length > 0) {
        issues.push({
          field,
          message: `${field}: unknown placeholder ${unknown.map((n) => `{${n}}`).join(', ')}; allowed: ${ALLOWED_PLACEHOLDERS}`,
        });
      }
      // Unknown placeholders become a plain letter, so the rest of the value is still checked (and not reported twice).
      const sample = expandPlaceholders(value, SAMPLE_TIME, undefined, 'x');
      holder[key] = sample;
      filled.push({ field, keys, step: index, original: value, sample });
    }
    return { ...step, request };
  });
  return { input: { ...input, steps }, filled, issues };
}

/** Messages about a value checked with placeholders filled in show what the user wrote. */
function withOriginals(issues: ValidationIssue[], filled: Filled[]): ValidationIssue[] {
  return issues.map((issue) => {
    const f = filled.find((x) => x.field === issue.field);
    if (!f) return issue;
    const got = `got ${JSON.stringify(f.sample)}`;
    return {
      ...issue,
      message: issue.message.includes(got)
        ? issue.message.replace(got, `got ${JSON.stringify(f.original)} (checked as ${JSON.stringify(f.sample)})`)
        : `${issue.message} (checked with placeholders filled in: ${JSON.stringify(f.sample)})`,
    };
  });
}

/**
 * `version: 'previous'` needs a publish-version step before it, on the same dataset: the dataset chain must not
 * have moved (a NEW_DATASET export, another dataset id) in between. Known before the run from the spec alone.
 */
function previousVersionIssues(steps: PipelineSpec['steps']): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const datasets: string[] = [];
  let current = '';
  let lastPublish: number | undefined;
  for (const [index, step] of steps.entries()) {
    current = step.datasetId ?? current;
    datasets.push(current);
    if (step.kind === 'export' && step.version === 'previous') {
      const field = `steps[${index}].version`;
      if (step.request.version_id !== undefined) {
        issues.push({
          field: `steps[${index}].request.version_id`,
          message: `steps[${index}].request.version_id: give either request.version_id or version "previous", not both`,
        });
      } else if (lastPublish === undefined) {
        issues.push({ field, message: `${field}: "previous" needs a publish-version step before this step` });
      } else if (datasets[lastPublish] !== current) {
        issues.push({
          field,
          message: `${field}: "previous" is the version step ${lastPublish + 1} published on its dataset, but this step exports another dataset`,
        });
      }
    }
    if (step.kind === 'publish-version') lastPublish = index;
    // A NEW_DATASET export hands the next step a dataset of its own.
    if (step.kind === 'export' && step.request.export_params?.export_dest === 'NEW_DATASET') current = `new@${index}`;
  }
  return issues;
}

/**
 * Validates and normalises a spec; throws SpecError listing every problem. `options.pathCharacters` is the
 * library's opt-out for specs that do not name their own (`pathCharacters` in the spec wins).
 */
export function parsePipelineSpec(input: unknown, options: ParseOptions = {}): PipelineSpec {
  const tooBig = sizeIssue(input);
  if (tooBig) throw new SpecError([tooBig]);
  const placeholders = fillSamplePlaceholders(input);
  const result = pipelineSpecSchema.safeParse(placeholders.input, { reportInput: true });
  const given = isRecord(input) && input.pathCharacters !== undefined ? input.pathCharacters : options.pathCharacters;
  const pathCharacters = pathCharactersOf(input, options);
  const characterIssues =
    pathCharacters === 'documented'
      ? withOriginals(undocumentedCharacterIssues(placeholders.input), placeholders.filled)
      : [];
  if (!result.success) {
    throw new SpecError([
      ...placeholders.issues,
      ...withOriginals(toValidationIssues(result.error), placeholders.filled),
      ...characterIssues,
    ]);
  }
  const { steps, wait, summary, timezone, tenant, origin } = result.data;
  const issues: ValidationIssue[] = [...placeholders.issues, ...characterIssues];
  // Back to what the user wrote: placeholders are filled in by the run itself, from its (scheduled) time.
  for (const f of placeholders.filled) {
    const step = steps[f.step];
    const request = step && 'request' in step ? (step.request as Record<string, unknown>) : undefined;
    const holder = f.keys.length === 1 ? request : request?.[f.keys[0]!];
    if (isRecord(holder)) holder[f.keys[f.keys.length - 1]!] = f.original;
  }
  issues.push(...previousVersionIssues(steps as PipelineSpec['steps']));
  if (!steps[0]?.datasetId)
    issues.push({
      field: 'steps[0].datasetId',
      message: "steps[0].datasetId: is required (later steps default to the previous step's dataset)",
    });

  let deadlineMs: number | undefined = wait?.deadlineMs;
  if (typeof wait?.deadline === 'number') deadlineMs = wait.deadline;
  else if (typeof wait?.deadline === 'string') {
    deadlineMs = parseDuration(wait.deadline);
    if (deadlineMs === undefined) {
      issues.push({
        field: 'wait.deadline',
        message: `wait.deadline: must be milliseconds or a duration like "90m", "6h", "2d"; got "${wait.deadline}"`,
      });
    }
  }
  let expectedDurationMs: number | number[] | undefined = wait?.expectedDurationMs;
  if (wait?.expectedDuration !== undefined) {
    const one = (v: string | number, field: string): number => {
      const ms = typeof v === 'number' ? v : parseDuration(v);
      if (ms === undefined)
        issues.push({
          field,
          message: `${field}: must be milliseconds or a duration like "45m", "6h"; got "${String(v)}"`,
        });
      return ms ?? 0;
    };
    const given = wait.expectedDuration;
    if (Array.isArray(given)) {
      if (given.length > steps.length)
        issues.push({
          field: 'wait.expectedDuration',
          message: `wait.expectedDuration: lists ${given.length} durations for ${steps.length} step(s)`,
        });
      expectedDurationMs = given.map((v, i) => one(v, `wait.expectedDuration[${i}]`));
    } else expectedDurationMs = one(given, 'wait.expectedDuration');
  }
  if (timezone !== undefined) {
    const problem = timeZoneProblem(timezone);
    if (problem) issues.push({ field: 'timezone', message: `timezone: ${problem}` });
  }
  const policy = (wait?.policy ?? {}) as Partial<PollPolicy>;
  for (const problem of validatePolicy(withDefaults(policy))) {
    issues.push({ field: 'wait.policy', message: `wait.policy: ${problem}` });
  }
  if (issues.length > 0) throw new SpecError(issues);
  return {
    steps: steps as PipelineSpec['steps'],
    wait: {
      deadlineMs,
      policy,
      maxReadsPerRun: wait?.maxReadsPerRun,
      unknownStatusLimitMs: wait?.unknownStatusLimitMs,
      ...(wait?.malformedReadLimit !== undefined && { malformedReadLimit: wait.malformedReadLimit }),
      ...(wait?.failedReadLimitMs !== undefined && { failedReadLimitMs: wait.failedReadLimitMs }),
      ...(expectedDurationMs !== undefined && { expectedDurationMs }),
      ...(wait?.shortestDurationMs !== undefined && { shortestDurationMs: wait.shortestDurationMs }),
    },
    ...(summary ? { summary } : {}),
    ...(timezone !== undefined ? { timezone } : {}),
    ...(tenant !== undefined ? { tenant } : {}),
    ...(origin !== undefined ? { origin: origin as PipelineSpec['origin'] } : {}),
    // Kept when given, so that the parsed spec is itself a valid spec (and the run shows its choice).
    ...(given !== undefined ? { pathCharacters } : {}),
  };
}

/** JSON Schema of the spec, generated from the same schemas that validate it. */
export function pipelineSpecJsonSchema(): unknown {
  return z.toJSONSchema(pipelineSpecSchema, { io: 'input', unrepresentable: 'any' });
}
