/**
 * The run spec (`start --spec FILE.json`, `startRun`): validated in full before anything is started, with every
 * problem named by its path (`steps[1].request.export_format: must be one of 1 (tree), 2 (tile); got 7`).
 * The JSON Schema in docs/ is generated from these schemas (`npm run spec:schema`).
 */
import { z } from 'zod';
import { createExportTaskSchema, idSchema, startTaskSchema, toValidationIssues } from '../modelarts/validation.js';
import type { ValidationIssue } from '../modelarts/errors.js';
import { DEFAULT_POLICY, validatePolicy, withDefaults, type PollPolicy } from '../polling/policy.js';
import type { PipelineSpec } from '../workflows/types.js';
import { parseDuration } from './duration.js';

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

export const stepSchema = z.discriminatedUnion('kind', [
  exportStepSchema,
  intelligentTaskStepSchema,
  waitTaskStepSchema,
]);

const policyKeys = Object.keys(DEFAULT_POLICY) as (keyof PollPolicy)[];

export const waitSchema = z.strictObject({
  deadline: z
    .union([z.string(), z.number().positive()])
    .describe('Bound on each step\'s wait: milliseconds, or a duration such as "90m", "6h", "2d"')
    .optional(),
  maxReadsPerRun: z.int().min(2).max(1000).describe('Continue-as-new after this many status reads').optional(),
  policy: z
    .partialRecord(z.enum(policyKeys as [string, ...string[]]), z.unknown())
    .describe('Overrides of the polling policy (see README, "Polling")')
    .optional(),
});

export const pipelineSpecSchema = z.strictObject({
  steps: z.array(stepSchema).min(1, { error: 'must list at least one step' }),
  wait: waitSchema.optional(),
  summary: z.string().max(200).describe('Shown as the run summary in the Temporal UI').optional(),
});

/** Validates and normalises a spec; throws SpecError listing every problem. */
export function parsePipelineSpec(input: unknown): PipelineSpec {
  const result = pipelineSpecSchema.safeParse(input, { reportInput: true });
  if (!result.success) throw new SpecError(toValidationIssues(result.error));
  const { steps, wait, summary } = result.data;
  const issues: ValidationIssue[] = [];
  if (!steps[0]?.datasetId)
    issues.push({
      field: 'steps[0].datasetId',
      message: "steps[0].datasetId: is required (later steps default to the previous step's dataset)",
    });

  let deadlineMs: number | undefined;
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
  const policy = (wait?.policy ?? {}) as Partial<PollPolicy>;
  for (const problem of validatePolicy(withDefaults(policy))) {
    issues.push({ field: 'wait.policy', message: `wait.policy: ${problem}` });
  }
  if (issues.length > 0) throw new SpecError(issues);
  return {
    steps: steps as PipelineSpec['steps'],
    wait: { deadlineMs, policy, maxReadsPerRun: wait?.maxReadsPerRun },
    ...(summary ? { summary } : {}),
  };
}

/** JSON Schema of the spec, generated from the same schemas that validate it. */
export function pipelineSpecJsonSchema(): unknown {
  return z.toJSONSchema(pipelineSpecSchema, { io: 'input', unrepresentable: 'any' });
}
