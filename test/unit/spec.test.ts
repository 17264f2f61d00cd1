import { readFileSync } from 'node:fs';
import { parsePipelineSpec, pipelineSpecJsonSchema, SpecError } from '../../src/spec/pipeline.js';
import { placeholderValues, PLACEHOLDER_NAMES } from '../../src/contract/placeholders.js';

const exportStep = { kind: 'export', datasetId: 'ds1', request: { path: '/bucket/out/' } };

function issuesOf(input: unknown, options?: Parameters<typeof parsePipelineSpec>[1]): string[] {
  try {
    parsePipelineSpec(input, options);
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
    expect(schema.properties).toHaveProperty('pathCharacters');
  });

  it('keeps docs/spec.schema.json current (npm run spec:schema writes it)', () => {
    const committed = readFileSync(new URL('../../docs/spec.schema.json', import.meta.url), 'utf8');
    expect(JSON.parse(committed)).toEqual(pipelineSpecJsonSchema());
  });
});

const withPath = (path: string, extra: Record<string, unknown> = {}) => ({
  ...extra,
  steps: [{ kind: 'export', datasetId: 'ds1', request: { path } }],
});

describe('OBS path characters (ModelArts.4313: digits, letters, "-", "_", "/")', () => {
  it('rejects any other character in an export path, naming the field, the character and the opt-out', () => {
    expect(issuesOf(withPath('/bucket/out.v2/'))).toEqual([
      'steps[0].request.path: character "." (U+002E) is not allowed in an OBS path: use digits, letters, "-", "_" ' +
        'and "/" (ModelArts.4313), or set pathCharacters: "any"',
    ]);
    for (const [path, shown] of [
      ['/bucket/a b/', '" " (U+0020)'],
      ['obs://bucket/daten-ä/', '"ä" (U+00E4)'],
      ['/my.bucket/out/', '"." (U+002E)'],
      ['s3://bucket/a%2fb/', '"%" (U+0025)'],
      ['/bucket/x/{date}+/', '"+" (U+002B)'],
    ] as const) {
      expect(issuesOf(withPath(path))[0]).toContain(`steps[0].request.path: character ${shown} is not allowed`);
    }
    // The scheme prefix and placeholders are fine.
    for (const path of ['obs://bucket/a_b-c/', 's3://bucket/x/', '/bucket/{date}/{time}/{datetime}/{year}{month}/'])
      expect(issuesOf(withPath(path))).toEqual([]);
  });

  it("checks a new dataset's work path and import paths too; a manifest file may have dots in its name", () => {
    const spec = {
      steps: [
        { kind: 'import', datasetId: 'ds1', request: { import_path: 'obs://bucket/in.put/' } },
        { kind: 'import', request: { import_path: 's3://bucket/out/V002.manifest', import_type: 'manifest' } },
        { kind: 'import', request: { import_path: 's3://bucket/o.k/V002.manifest', import_type: 'manifest' } },
        {
          kind: 'export',
          request: {
            path: '/bucket/out/',
            export_params: {
              export_dest: 'NEW_DATASET',
              export_new_dataset_name: 'n',
              export_new_dataset_work_path: '/bucket/new~/',
            },
          },
        },
      ],
    };
    expect(issuesOf(spec).map((m) => m.slice(0, m.indexOf(' is not allowed')))).toEqual([
      'steps[0].request.import_path: character "." (U+002E)',
      'steps[2].request.import_path: character "." (U+002E)',
      'steps[3].request.export_params.export_new_dataset_work_path: character "~" (U+007E)',
    ]);
  });

  it('every placeholder expands to allowed characters only, in any time zone', () => {
    const times = [new Date(0), new Date(Date.UTC(2024, 1, 29, 23, 59, 59)), new Date(Date.UTC(9999, 11, 31))];
    for (const at of times)
      for (const zone of [undefined, 'Europe/Berlin', 'Asia/Kolkata', 'America/St_Johns']) {
        const values = placeholderValues(at, zone);
        for (const name of PLACEHOLDER_NAMES) expect(values[name]).toMatch(/^[A-Za-z0-9_-]+$/);
      }
  });

  it('opts out with pathCharacters: "any" (spec field or library option); structure is still checked', () => {
    const dotted = withPath('/my.bucket/run.v2/é/', { pathCharacters: 'any' });
    expect(issuesOf(dotted)).toEqual([]);
    const parsed = parsePipelineSpec(dotted);
    expect(parsed.pathCharacters).toBe('any');
    expect(parsePipelineSpec(parsed)).toEqual(parsed); // a parsed spec is a valid spec
    expect(issuesOf(withPath('/bucket/out.v2/'), { pathCharacters: 'any' })).toEqual([]);
    expect(parsePipelineSpec(withPath('/bucket/out.v2/'), { pathCharacters: 'any' }).pathCharacters).toBe('any');
    // The spec's own field wins over the option.
    expect(
      issuesOf(withPath('/bucket/out.v2/', { pathCharacters: 'documented' }), { pathCharacters: 'any' }),
    ).toHaveLength(1);
    for (const [path, problem] of [
      ['/bucket/../etc/', 'must not have "." or ".." as a folder name'],
      ['/bucket/a\nb/', 'must not contain control characters; found U+000A'],
      [`/bucket/${'x'.repeat(1100)}/`, 'is 1109 bytes long; an OBS path is at most 1024 bytes'],
      ['http://bucket/x/', 'must be an OBS path such as'],
    ] as const)
      expect(issuesOf(withPath(path, { pathCharacters: 'any' }))[0]).toContain(`steps[0].request.path: ${problem}`);
    expect(issuesOf(withPath('/bucket/x/', { pathCharacters: 'some' }))[0]).toContain(
      'pathCharacters: must be one of documented, any',
    );
  });
});

describe('sizes and ids, before anything is contacted', () => {
  it('limits the spec to 1 MiB of JSON and 100 steps', () => {
    const big = {
      steps: [
        {
          ...exportStep,
          request: { path: '/bucket/out/', export_params: { samples: Array(100_000).fill('sample-id-0000000') } },
        },
      ],
    };
    const [message, ...rest] = issuesOf(big);
    expect(rest).toEqual([]);
    expect(message).toMatch(/^\(spec\): is \d+ bytes as JSON; a spec is at most 1048576 bytes \(1 MiB\)$/);
    expect(issuesOf({ steps: Array(101).fill(exportStep) })).toEqual(['steps: must list at most 100 steps; got 101']);
    expect(issuesOf({ steps: Array(100).fill(exportStep) })).toEqual([]);
  });

  it('rejects ids of "." or "..", with control characters or over 128 characters, naming the field', () => {
    expect(issuesOf({ steps: [{ ...exportStep, datasetId: '..' }] })[0]).toMatch(
      /^steps\[0\]\.datasetId: must be a non-empty id/,
    );
    expect(issuesOf({ steps: [exportStep, { kind: 'wait-task', taskId: '.' }] })[0]).toMatch(/^steps\[1\]\.taskId: /);
    expect(issuesOf({ steps: [{ ...exportStep, request: { path: '/bucket/x/', version_id: '..' } }] })[0]).toMatch(
      /^steps\[0\]\.request\.version_id: /,
    );
    expect(issuesOf({ steps: [{ ...exportStep, datasetId: 'ds\n1' }] })[0]).toMatch(/^steps\[0\]\.datasetId: /);
    const long = issuesOf({ steps: [{ ...exportStep, datasetId: 'd'.repeat(10_000) }] })[0]!;
    expect(long).toContain('steps[0].datasetId: must be at most 128 characters');
  });

  it('echoes rejected values cut short: a 100 KB summary does not make a 100 KB error', () => {
    const [message] = issuesOf({ steps: [exportStep], summary: 's'.repeat(100_000) });
    expect(message).toContain('summary: Too big');
    expect(message).toContain('(100000 characters)');
    expect(message!.length).toBeLessThan(300);
  });
});
