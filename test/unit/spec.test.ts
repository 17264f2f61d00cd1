import { parsePipelineSpec, pipelineSpecJsonSchema, SpecError } from '../../src/spec/pipeline.js';

const exportStep = { kind: 'export', datasetId: 'ds1', request: { path: '/bucket/out/' } };

function issuesOf(input: unknown): string[] {
  try {
    parsePipelineSpec(input);
  } catch (err) {
    if (err instanceof SpecError) return err.issues.map((i) => i.message);
    throw err;
  }
  return [];
}

describe('run spec', () => {
  it('parses durations and is idempotent: a parsed spec is a valid spec', () => {
    const once = parsePipelineSpec({ steps: [exportStep], wait: { deadline: '90m', policy: { maxDelayMs: 30_000 } } });
    expect(once.wait?.deadlineMs).toBe(90 * 60_000);
    expect(parsePipelineSpec(once)).toEqual(once);
  });

  it('takes the bounds on failed status reads, and names them when they are out of range', () => {
    const spec = parsePipelineSpec({ steps: [exportStep], wait: { malformedReadLimit: 3, failedReadLimitMs: 90_000 } });
    expect(spec.wait).toMatchObject({ malformedReadLimit: 3, failedReadLimitMs: 90_000 });
    expect(parsePipelineSpec(spec)).toEqual(spec);
    const problems = issuesOf({ steps: [exportStep], wait: { malformedReadLimit: 0, failedReadLimitMs: -1 } }).join();
    expect(problems).toContain('wait.malformedReadLimit');
    expect(problems).toContain('wait.failedReadLimitMs');
    expect(issuesOf({ steps: [exportStep], wait: { malformedReadLimit: 2.5 } }).join()).toContain(
      'wait.malformedReadLimit',
    );
  });

  it('requires a dataset on the first step only', () => {
    expect(issuesOf({ steps: [{ kind: 'export', request: { path: '/bucket/out/' } }] }).join()).toContain(
      'steps[0].datasetId',
    );
    expect(issuesOf({ steps: [exportStep, { kind: 'export', request: { path: '/bucket/coco/' } }] })).toEqual([]);
  });

  it('reports every problem at once, each with its path and the allowed values', () => {
    const problems = issuesOf({
      steps: [
        { ...exportStep, request: { path: '/bucket/out/', export_format: 3, annotation_format: 'YOLO' } },
        { kind: 'intelligent-task', request: { task_type: 'auto-magic' } },
        { kind: 'wait-task' },
      ],
      wait: { deadline: 'soon' },
      colour: 'blue',
    }).join('\n');
    expect(problems).toContain('steps[0].request.export_format: must be one of 1 (tree), 2 (tile); got 3');
    expect(problems).toContain('steps[0].request.annotation_format: must be one of VOC, COCO');
    expect(problems).toContain('steps[1].request.task_type: must be one of auto-label, pre-label, auto-grouping');
    expect(problems).toContain('steps[2].taskId: is required');
    expect(problems).toContain('colour: unknown field');
  });

  it("rejects a new dataset's work path that is the export path or under it, naming the field", () => {
    const newDataset = (path: string, work: string) => ({
      steps: [
        {
          kind: 'export',
          datasetId: 'ds1',
          request: {
            path,
            export_params: {
              export_dest: 'NEW_DATASET',
              export_new_dataset_name: 'copy',
              export_new_dataset_work_path: work,
            },
          },
        },
      ],
    });
    for (const work of ['/bucket/out/', '/bucket/out', 'obs://bucket/out/new/']) {
      expect(issuesOf(newDataset('/bucket/out/', work))).toEqual([
        `steps[0].request.export_params.export_new_dataset_work_path: must not be the export path (path) or a folder under it; got ${work} with path /bucket/out/`,
      ]);
    }
    // A sibling folder, or one whose name merely starts the same, is fine.
    expect(issuesOf(newDataset('/bucket/out/', '/bucket/output/'))).toEqual([]);
    expect(issuesOf(newDataset('/bucket/out/input/', '/bucket/out/'))).toEqual([]);
  });

  it('names bad deadline and policy values', () => {
    expect(issuesOf({ steps: [exportStep], wait: { deadline: 'soon' } }).join()).toContain('wait.deadline');
    expect(issuesOf({ steps: [exportStep], wait: { policy: { minDelayMs: -1 } } }).join()).toContain('minDelayMs');
    expect(issuesOf({ steps: [exportStep], wait: { policy: { speed: 3 } } }).join()).toContain('wait.policy');
  });

  it('takes a duration prior for every step or per step, and names a bad one', () => {
    const one = parsePipelineSpec({ steps: [exportStep], wait: { expectedDuration: '45m' } });
    expect(one.wait?.expectedDurationMs).toBe(45 * 60_000);
    expect(parsePipelineSpec(one)).toEqual(one);
    const each = parsePipelineSpec({ steps: [exportStep, exportStep], wait: { expectedDuration: ['2h', 0] } });
    expect(each.wait?.expectedDurationMs).toEqual([2 * 3_600_000, 0]);
    expect(issuesOf({ steps: [exportStep], wait: { expectedDuration: 'soonish' } }).join()).toContain(
      'wait.expectedDuration',
    );
    expect(issuesOf({ steps: [exportStep], wait: { expectedDuration: ['1h', 'x'] } }).join()).toContain(
      'wait.expectedDuration[1]',
    );
    expect(issuesOf({ steps: [exportStep], wait: { expectedDuration: ['1h', '2h'] } }).join()).toContain(
      '2 durations for 1 step',
    );
    expect(issuesOf({ steps: [exportStep], wait: { expectedDuration: -5 } }).join()).toContain('wait.expectedDuration');
  });

  it('publishes a JSON Schema generated from the same rules', () => {
    const schema = pipelineSpecJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['steps', 'wait', 'summary']));
    expect(schema.required).toContain('steps');
    expect(JSON.stringify(schema)).toContain('NEW_DATASET');
  });
});
