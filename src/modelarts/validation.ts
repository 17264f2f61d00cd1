/**
 * Client-side request validation with zod, run before anything is sent: a malformed request should fail fast with
 * a message naming the field and the allowed values, not as a ModelArts.4384 after a network round trip.
 *
 * The schemas are exported for reuse (the workflow spec schema builds on them, and JSON Schema is generated with
 * `z.toJSONSchema`), so they use no transforms; cross-field rules are refinements, which JSON Schema ignores.
 */
import { z } from 'zod';
import { ModelArtsValidationError, type ValidationIssue } from './errors.js';
import { EXPORT_FORMAT_LABELS, EXPORT_TYPE_LABELS, SAMPLE_STATE_LABELS } from './friendly.js';
import { BUCKET_PATTERN, echo, OBS_PATH_MAX_BYTES, obsPathStructureProblem } from './obs-path.js';
import {
  ANNOTATION_FORMATS,
  EXPORT_DESTS,
  IMPORT_ORIGINS,
  IMPORT_TYPES,
  SAMPLE_STATES,
  TASK_TYPES,
  VERSION_FORMATS,
  type CreateExportTaskRequest,
  type CreateImportTaskRequest,
  type CreateVersionRequest,
  type GetDatasetQuery,
  type ListDatasetsQuery,
  type ListExportTasksQuery,
  type ListImportTasksQuery,
  type ListTasksQuery,
  type ListVersionsQuery,
  type StartTaskRequest,
} from './types.js';

// ---------------------------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------------------------

/**
 * The structure of an OBS path (src/modelarts/obs-path.ts): `/bucket/dir/`, `obs://bucket/dir/` or
 * `s3://bucket/dir/`, no `//` (ModelArts.4315), no `.`/`..` folders, no control characters, at most 1,024 bytes.
 * The character list of ModelArts.4313 is the run spec's check (`pathCharacters`), not the client's: the client is
 * also used for regions that accept more.
 */
const FOLDER = '(?!\\.\\.?(?:/|$))[^/\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]+';
export const OBS_PATH_PATTERN = new RegExp(`^(?:obs://|s3://|/)${BUCKET_PATTERN}(?:/(?:${FOLDER}/)*(?:${FOLDER})?)?$`);

const obsPath = (extra?: (path: string) => string | undefined) =>
  z
    .string()
    .superRefine((path, ctx) => {
      const problem = obsPathStructureProblem(path) ?? extra?.(path);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, input: path });
    })
    .meta({ pattern: OBS_PATH_PATTERN.source, maxLength: OBS_PATH_MAX_BYTES });

export const obsPathSchema = obsPath();

/** An OBS folder below the bucket (a new dataset's work path cannot be a bucket root). */
const obsSubdirSchema = obsPath((path) =>
  /^(?:obs:\/\/|s3:\/\/|\/)[^/]+\/?$/.test(path)
    ? `must be an OBS folder below the bucket, such as /bucket/dir/ (not the bucket root); got ${echo(path)}`
    : undefined,
);

/** A split ratio as the API wants it: a decimal string from "0.00" to "1.00". */
export const ratioStringSchema = z
  .string()
  .regex(/^(?:0(?:\.\d{1,2})?|1(?:\.0{1,2})?)$/, { error: 'must be a decimal string from "0.00" to "1.00"' });

/** Ids are at most this long (ModelArts' own are about 20 characters; a search attribute holds at most 2,048). */
export const MAX_ID_LENGTH = 128;

/**
 * Path segments we put into URLs: not `.` or `..` (URL normalisation would drop them and call another API), no
 * `/?#`, spaces or control characters.
 */
export const idSchema = z
  .string()
  .max(MAX_ID_LENGTH, { error: `must be at most ${MAX_ID_LENGTH} characters` })
  // eslint-disable-next-line no-control-regex -- control characters are what this rejects
  .regex(/^(?!\.\.?$)[^/?#\s\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+$/, {
    error: 'must be a non-empty id without "/", "?", "#", spaces or control characters, and not "." or ".."',
  });

/** Dataset names (the dataset creation rule): 1-100 letters, digits, `-` or `_`. */
export const datasetNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,100}$/, { error: 'must be 1-100 characters: letters, digits, "_" or "-"' });

export const versionNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,32}$/, { error: 'must be 1-32 characters: letters, digits, "_" or "-"' });

const page = z.int().min(0, { error: 'must be a page index >= 0' });
const limit = (max: number) =>
  z
    .int()
    .min(1, { error: `must be between 1 and ${max}` })
    .max(max, { error: `must be between 1 and ${max}` });

export const exportTypeSchema = z.literal([0, 1, 2, 3]);
export const exportFormatSchema = z.literal([1, 2]);
export const annotationFormatSchema = z.enum(ANNOTATION_FORMATS);
export const versionFormatSchema = z.enum(VERSION_FORMATS);
/** The docs' own examples send `""`, so the empty string is accepted as "no filter". */
export const sampleStateSchema = z.enum(['', ...SAMPLE_STATES]);
export const exportDestSchema = z.enum(EXPORT_DESTS);
export const taskTypeSchema = z.enum(TASK_TYPES);
export const importTypeSchema = z.enum(IMPORT_TYPES);
export const importOriginSchema = z.enum(IMPORT_ORIGINS);
const andOr = z.enum(['AND', 'OR']);
const stringListMap = z.record(z.string(), z.array(z.string()));

// ---------------------------------------------------------------------------------------------------------------
// Export tasks
// ---------------------------------------------------------------------------------------------------------------

export const searchConditionSchema = z.strictObject({
  coefficient: z.string().optional(),
  frame_in_video: z.int().optional(),
  hard: z.enum(['0', '1']).optional(),
  import_origin: z.string().optional(),
  kvp: z.string().optional(),
  label_list: z
    .strictObject({
      labels: z
        .array(
          z.strictObject({
            name: z.string().optional(),
            type: z.int().optional(),
            property: stringListMap.optional(),
            op: andOr.optional(),
          }),
        )
        .optional(),
      op: andOr.optional(),
    })
    .refine((l) => (l.labels?.length ?? 0) <= 1 || l.op !== undefined, {
      error: 'op is required when more than one label is given',
      path: ['op'],
    })
    .optional(),
  labeler: z.string().optional(),
  metadata: z.strictObject({ op: andOr.optional(), props: stringListMap.optional() }).optional(),
  parent_sample_id: z.string().optional(),
  sample_dir: z.string().regex(/\/$/, { error: 'must end with "/"' }).optional(),
  sample_name: z.string().optional(),
  sample_time: z
    .string()
    .regex(/^(?:month|day|\d{8}-\d{8})$/, { error: 'must be "month", "day" or "yyyyMMdd-yyyyMMdd"' })
    .optional(),
  score: z.string().optional(),
  slice_thickness: z.string().optional(),
  study_date: z.string().optional(),
  time_in_video: z.string().optional(),
});

export const exportParamsSchema = z
  .strictObject({
    export_dest: exportDestSchema.optional(),
    export_new_dataset_name: datasetNameSchema.optional(),
    export_new_dataset_work_path: obsSubdirSchema.optional(),
    export_dataset_version_name: versionNameSchema.optional(),
    export_dataset_version_format: z.string().optional(),
    sample_state: sampleStateSchema.optional(),
    samples: z.array(z.string()).optional(),
    search_conditions: z.array(searchConditionSchema).optional(),
    clear_hard_property: z.boolean().optional(),
    ratio_sample_usage: z.boolean().optional(),
    train_sample_ratio: ratioStringSchema.optional(),
  })
  .superRefine((params, ctx) => {
    if (params.export_dest !== 'NEW_DATASET') return;
    for (const field of ['export_new_dataset_name', 'export_new_dataset_work_path'] as const) {
      if (params[field] === undefined) {
        ctx.addIssue({ code: 'custom', path: [field], message: 'is required when export_dest is NEW_DATASET' });
      }
    }
  });

/** `obs://b/d`, `s3://b/d/` and `/b/d` name the same folder: `/b/d/`. */
export const obsFolder = (path: string) => path.replace(/^(obs|s3):\/\//, '/').replace(/\/?$/, '/');

export const createExportTaskSchema = z
  .strictObject({
    path: obsPathSchema,
    export_type: exportTypeSchema.optional(),
    export_format: exportFormatSchema.optional(),
    annotation_format: annotationFormatSchema.optional(),
    version_format: versionFormatSchema.optional(),
    version_id: idSchema.optional(),
    sample_state: sampleStateSchema.optional(),
    source_type_header: z.enum(['obs://', 's3://']).optional(),
    with_column_header: z.boolean().optional(),
    export_params: exportParamsSchema.optional(),
  })
  .superRefine((request, ctx) => {
    // The user guide: a new dataset's output path "cannot be the same as the save path and cannot be a
    // subdirectory of it".
    const work = request.export_params?.export_new_dataset_work_path;
    if (request.export_params?.export_dest !== 'NEW_DATASET' || !work) return;
    if (obsFolder(work).startsWith(obsFolder(request.path))) {
      ctx.addIssue({
        code: 'custom',
        path: ['export_params', 'export_new_dataset_work_path'],
        message: `must not be the export path (path) or a folder under it; got ${work} with path ${request.path}`,
      });
    }
  });

export const listExportTasksQuerySchema = z.strictObject({
  export_type: exportTypeSchema.optional(),
  limit: limit(100).optional(),
  offset: page.optional(),
});

// ---------------------------------------------------------------------------------------------------------------
// Intelligent tasks
// ---------------------------------------------------------------------------------------------------------------

/** SmartTaskConfig: the common fields are checked; the long tail of service-specific fields passes through. */
export const smartTaskConfigSchema = z.looseObject({
  algorithm_type: z.enum(['fast', 'accurate']).optional(),
  ambiguity: z.boolean().optional(),
  image_brightness: z.boolean().optional(),
  image_colorfulness: z.boolean().optional(),
  collect_rule: z.literal('all').optional(),
  collect_sample: z.boolean().optional(),
  confidence_scope: z
    .string()
    .regex(/^(?:0|1)(?:\.\d+)?-(?:0|1)(?:\.\d+)?$/, { error: 'must look like "0.10-0.90"' })
    .optional(),
  export_format: exportFormatSchema.optional(),
  export_params: exportParamsSchema.optional(),
  // Documented as int, but the docs' own auto-grouping example sends "2".
  n_clusters: z
    .union([z.int().min(1), z.string().regex(/^[1-9]\d*$/)], {
      error: 'must be a positive integer (or its string form)',
    })
    .optional(),
  result_type: z.literal([0, 1]).optional(),
  stop_time: z.int().min(1, { error: 'must be at least 1 (minutes)' }).optional(),
  version_format: versionFormatSchema.optional(),
  worker_server_num: z.int().min(0).optional(),
  inf_config_list: z
    .array(
      z.looseObject({
        model_id: z.string().optional(),
        specification: z.string().optional(),
        instance_count: z.int().min(1, { error: 'must be at least 1' }).optional(),
        weight: z.int().min(0).optional(),
        envs: z.record(z.string(), z.string()).optional(),
      }),
    )
    .optional(),
});

export const startTaskSchema = z.strictObject({
  task_type: taskTypeSchema,
  model_id: z.string().optional(),
  collect_key_sample: z.boolean().optional(),
  config: smartTaskConfigSchema.optional(),
});

export const listTasksQuerySchema = z.strictObject({
  limit: limit(100).optional(),
  offset: page.optional(),
  task_name: z.string().optional(),
  type: taskTypeSchema.optional(),
});

// ---------------------------------------------------------------------------------------------------------------
// Datasets, versions, import tasks
// ---------------------------------------------------------------------------------------------------------------

export const getDatasetQuerySchema = z.strictObject({
  check_running_task: z.boolean().optional(),
  running_task_type: z.literal([0, 1, 2, 3, 4, 5, 6, 7]).optional(),
});

export const listDatasetsQuerySchema = z.strictObject({
  search_content: z.string().optional(),
  dataset_type: z.int().optional(),
  check_running_task: z.boolean().optional(),
  contain_versions: z.boolean().optional(),
  file_preview: z.boolean().optional(),
  offset: page.optional(),
  limit: limit(100).optional(),
});

export const createVersionSchema = z.strictObject({
  version_name: versionNameSchema.optional(),
  version_format: versionFormatSchema.optional(),
  description: z
    .string()
    .max(256, { error: 'must be at most 256 characters' })
    .regex(/^[^!<>=&"']*$/, { error: `must not contain any of !<>=&"'` })
    .optional(),
  clear_hard_property: z.boolean().optional(),
  export_images: z.boolean().optional(),
  remove_sample_usage: z.boolean().optional(),
  train_evaluate_sample_ratio: ratioStringSchema.optional(),
  with_column_header: z.boolean().optional(),
});

export const listVersionsQuerySchema = z.strictObject({
  status: z.literal([0, 1, 2, 3, 4]).optional(),
  train_evaluate_ratio: z
    .string()
    .regex(/^\d(?:\.\d+)?,\d(?:\.\d+)?$/, { error: 'must look like "0.0,1.0"' })
    .optional(),
  version_format: z.literal([0, 1, 2]).optional(),
  offset: page.optional(),
  limit: limit(1000).optional(),
});

const labelSchema = z.looseObject({ name: z.string().optional(), type: z.int().optional() });

export const createImportTaskSchema = z
  .strictObject({
    import_path: z.string().min(1, { error: 'is required' }),
    import_type: importTypeSchema.optional(),
    import_origin: importOriginSchema.optional(),
    import_annotations: z.boolean().optional(),
    import_samples: z.boolean().optional(),
    final_annotation: z.boolean().optional(),
    difficult_only: z.boolean().optional(),
    included_labels: z.array(labelSchema).optional(),
    excluded_labels: z.array(labelSchema).optional(),
    import_folder: z.string().optional(),
    label_format: z
      .strictObject({
        label_type: z.string().optional(),
        text_label_separator: z.string().optional(),
        text_sample_separator: z.string().optional(),
      })
      .optional(),
    data_source: z
      .looseObject({ data_type: z.int().min(0).max(6).optional(), data_path: z.string().optional() })
      .optional(),
    with_column_header: z.boolean().optional(),
  })
  .superRefine((req, ctx) => {
    // import_path is an OBS location only when importing from OBS (the default origin).
    if (req.import_origin !== undefined && req.import_origin !== 'obs') return;
    const problem = obsPathStructureProblem(req.import_path);
    if (problem) {
      ctx.addIssue({ code: 'custom', path: ['import_path'], message: problem });
    } else if (req.import_type === 'manifest' && req.import_path.endsWith('/')) {
      ctx.addIssue({
        code: 'custom',
        path: ['import_path'],
        message: 'must name the manifest file when import_type is manifest',
      });
    }
  });

export const listImportTasksQuerySchema = z.strictObject({
  limit: limit(100).optional(),
  offset: page.optional(),
});

// ---------------------------------------------------------------------------------------------------------------
// Turning zod issues into named-field messages
// ---------------------------------------------------------------------------------------------------------------

/** Labels shown next to enum values in messages, keyed by field name. */
const VALUE_LABELS: Record<string, ReadonlyMap<unknown, string>> = {
  export_type: EXPORT_TYPE_LABELS,
  export_format: EXPORT_FORMAT_LABELS,
  sample_state: SAMPLE_STATE_LABELS,
};

/** A rejected value as messages echo it: cut short, so a 100 KB value does not make a 100 KB error. */
const show = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return echo(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= 120 ? text : `${text.slice(0, 120)}… (${text.length} characters)`;
};

function describeAllowed(fieldName: string, values: readonly unknown[]): string {
  const labels = VALUE_LABELS[fieldName];
  return values
    .map((v) => {
      const text = typeof v === 'string' && v !== '' ? v : show(v);
      const label = labels?.get(v);
      return label ? `${text} (${label})` : text;
    })
    .join(', ');
}

const joinPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)),
    '',
  );

/** Converts zod issues to `field: problem` issues. Pass a prefix when the schema is nested in a larger document. */
export function toValidationIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): ValidationIssue[] {
  return error.issues.flatMap((iss): ValidationIssue[] => {
    const path = [...prefix, ...iss.path];
    const field = joinPath(path) || '(request)';
    const last = [...path].reverse().find((k) => typeof k === 'string');
    // A list that is too long or too short is shown by its length.
    const got = Array.isArray(iss.input) && iss.code !== 'custom' ? iss.input.length : iss.input;
    const fallback = (): ValidationIssue[] => [
      {
        field,
        message: `${field}: ${iss.message}${got !== undefined && iss.code !== 'custom' ? `; got ${show(got)}` : ''}`,
      },
    ];
    switch (iss.code) {
      case 'invalid_value':
        return [
          {
            field,
            allowed: iss.values as ValidationIssue['allowed'],
            message:
              iss.input === undefined
                ? `${field}: is required; must be one of ${describeAllowed(String(last ?? ''), iss.values)}`
                : `${field}: must be one of ${describeAllowed(String(last ?? ''), iss.values)}; got ${show(iss.input)}`,
          },
        ];
      case 'invalid_type':
        return [
          {
            field,
            message:
              iss.input === undefined
                ? `${field}: is required`
                : `${field}: must be ${iss.expected === 'int' ? 'an integer' : `a ${iss.expected}`}; got ${show(iss.input)}`,
          },
        ];
      case 'invalid_union': {
        // A discriminated union (a step's `kind`) reports the whole object as its input: show the bad value only.
        const { discriminator, options } = iss as { discriminator?: string; options?: unknown[] };
        if (discriminator === undefined || !options) return fallback();
        const got = (iss.input as Record<string, unknown> | undefined)?.[discriminator];
        const allowed = options.map(String).join(', ');
        return [
          {
            field,
            message:
              got === undefined
                ? `${field}: is required; must be one of ${allowed}`
                : `${field}: must be one of ${allowed}; got ${show(got)}`,
          },
        ];
      }
      case 'unrecognized_keys':
        return iss.keys.map((key) => {
          const name = joinPath([...path, key]);
          return { field: name, message: `${name}: unknown field` };
        });
      default:
        return fallback();
    }
  });
}

/** Parses with a schema, throwing ModelArtsValidationError that lists every problem. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, subject = 'request'): z.output<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw new ModelArtsValidationError(toValidationIssues(result.error), subject);
}

export const validateCreateExportTask = (req: unknown): CreateExportTaskRequest =>
  validate(createExportTaskSchema, req, 'export task request');
export const validateStartTask = (req: unknown): StartTaskRequest =>
  validate(startTaskSchema, req, 'intelligent task request');
export const validateCreateVersion = (req: unknown): CreateVersionRequest =>
  validate(createVersionSchema, req, 'version request');
export const validateCreateImportTask = (req: unknown): CreateImportTaskRequest =>
  validate(createImportTaskSchema, req, 'import task request');
export const validateListExportTasksQuery = (q: unknown): ListExportTasksQuery =>
  validate(listExportTasksQuerySchema, q, 'query');
export const validateListTasksQuery = (q: unknown): ListTasksQuery => validate(listTasksQuerySchema, q, 'query');
export const validateGetDatasetQuery = (q: unknown): GetDatasetQuery => validate(getDatasetQuerySchema, q, 'query');
export const validateListDatasetsQuery = (q: unknown): ListDatasetsQuery =>
  validate(listDatasetsQuerySchema, q, 'query');
export const validateListVersionsQuery = (q: unknown): ListVersionsQuery =>
  validate(listVersionsQuerySchema, q, 'query');
export const validateListImportTasksQuery = (q: unknown): ListImportTasksQuery =>
  validate(listImportTasksQuerySchema, q, 'query');

/** Validates an id that goes into the URL path, naming it (`dataset_id`, `task_id`, …) in the error. */
export function validateId(field: string, value: unknown): string {
  const result = idSchema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw new ModelArtsValidationError(toValidationIssues(result.error, [field]), field);
}
