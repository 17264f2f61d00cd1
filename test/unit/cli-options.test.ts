/**
 * The CLI in-process: flags → ModelArts request (through `start --dry-run`, which contacts nothing), and the
 * rejections: exit 2 with a message naming the flag and the allowed values, before anything is contacted.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bar, describeProgress } from '../../src/cli/progress-view.js';
import { Client } from '@temporalio/client';
import { defaultWorkflowId, detailsOf, listRunsQuery, startRun } from '../../src/client/runs.js';
import { parsePipelineSpec, SpecError } from '../../src/spec/pipeline.js';
import { cli, rejected } from '../support/cli-in-process.js';

const base = ['start', '--dataset', 'ds1', '--path', '/bucket/out/', '--dry-run'];

async function dryRun(...flags: string[]) {
  const r = await cli(...base, ...flags);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as {
    steps: { kind: string; datasetId: string; request: Record<string, unknown> }[];
    wait?: { deadlineMs?: number; expectedDurationMs?: number };
    summary?: string;
  };
}

async function request(...flags: string[]) {
  return (await dryRun(...flags)).steps[0]!.request;
}

describe('start: flags → create-export-task request', () => {
  it('sends only the path when no export option is given', async () => {
    const spec = await dryRun();
    expect(spec.steps).toEqual([{ kind: 'export', datasetId: 'ds1', request: { path: '/bucket/out/' } }]);
  });

  it.each([
    [['--export-type', 'labeled'], { export_type: 0 }],
    [['--export-type', 'unlabeled'], { export_type: 1 }],
    [['--export-type', 'all'], { export_type: 2 }],
    [['--export-type', 'conditional'], { export_type: 3 }],
    [['--export-type', '2'], { export_type: 2 }],
    [['--format', 'tree'], { export_format: 1 }],
    [['--format', 'tile'], { export_format: 2 }],
    [['--annotation-format', 'COCO'], { annotation_format: 'COCO' }],
    [['--annotation-format', 'voc'], { annotation_format: 'VOC' }],
    [['--version-format', 'CSV'], { version_format: 'CSV' }],
    [['--version-format', 'carbondata'], { version_format: 'CarbonData' }],
    [['--version-id', 'v123'], { version_id: 'v123' }],
    [['--sample-state', 'accepted'], { sample_state: '__ACCEPTED__' }],
    [['--sample-state', 'labeled'], { sample_state: '__ALL__' }],
    [['--sample-state', '__WORKFORCE_SAMPLED_CHECKED__'], { sample_state: '__WORKFORCE_SAMPLED_CHECKED__' }],
    [['--source-type-header', 's3://'], { source_type_header: 's3://' }],
    [['--with-column-header'], { with_column_header: true }],
    [['--no-column-header'], { with_column_header: false }],
  ])('%j → %j', async (flags, expected) => {
    expect(await request(...flags)).toEqual({ path: '/bucket/out/', ...expected });
  });

  it('maps --new-dataset and its companions to export_params with export_dest NEW_DATASET', async () => {
    const req = await request(
      '--new-dataset',
      'flowers-clean',
      '--new-dataset-work-path',
      'obs://bucket/flowers-clean/',
      '--new-dataset-version-name',
      'V001',
      '--new-dataset-version-format',
      'Default',
    );
    expect(req.export_params).toEqual({
      export_dest: 'NEW_DATASET',
      export_new_dataset_name: 'flowers-clean',
      export_new_dataset_work_path: 'obs://bucket/flowers-clean/',
      export_dataset_version_name: 'V001',
      export_dataset_version_format: 'Default',
    });
  });

  it('maps sample selection, search conditions and split options to export_params', async () => {
    const req = await request(
      '--export-type',
      'conditional',
      '--samples',
      'a1, a2',
      '--samples',
      'a3',
      '--search-condition',
      '{"label_list":{"labels":[{"name":"cat"}]}}',
      '--search-condition',
      '{"sample_dir":"/bucket/in/dogs/","hard":"1"}',
      '--no-clear-hard-property',
      '--ratio-sample-usage',
      '--train-sample-ratio',
      '0.80',
    );
    expect(req).toEqual({
      path: '/bucket/out/',
      export_type: 3,
      export_params: {
        samples: ['a1', 'a2', 'a3'],
        search_conditions: [
          { label_list: { labels: [{ name: 'cat' }] } },
          { sample_dir: '/bucket/in/dogs/', hard: '1' },
        ],
        clear_hard_property: false,
        ratio_sample_usage: true,
        train_sample_ratio: '0.80',
      },
    });
  });

  it('maps --deadline and --summary onto the run', async () => {
    const spec = await dryRun('--deadline', '6h', '--summary', 'nightly flowers');
    expect(spec.wait?.deadlineMs).toBe(6 * 3_600_000);
    expect(spec.summary).toBe('nightly flowers');
  });

  it('maps --expected-duration onto the run as its duration prior', async () => {
    const spec = await dryRun('--expected-duration', '45m');
    expect(spec.wait?.expectedDurationMs).toBe(45 * 60_000);
  });

  it('reads a full spec with chained steps from --spec', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-spec-'));
    const file = path.join(dir, 'chain.json');
    const steps = [
      {
        kind: 'export',
        datasetId: 'ds1',
        request: {
          path: '/bucket/in/',
          export_params: {
            export_dest: 'NEW_DATASET',
            export_new_dataset_name: 'n1',
            export_new_dataset_work_path: '/bucket/n1/',
          },
        },
      },
      { kind: 'export', request: { path: '/bucket/coco/', annotation_format: 'COCO' } },
    ];
    writeFileSync(file, JSON.stringify({ steps }));
    const r = await cli('start', '--spec', file, '--dry-run');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).steps).toEqual(steps);
  });
});

describe('start: rejections exit 2 naming the flag and the allowed values', () => {
  it.each([
    [
      '--export-type',
      'everything',
      /--export-type <type>' argument 'everything' is invalid\. Allowed: labeled, unlabeled, all, conditional/,
    ],
    ['--format', 'flat', /--format <format>' argument 'flat' is invalid\. Allowed: tree, tile/],
    ['--annotation-format', 'YOLO', /--annotation-format <format>' argument 'YOLO' is invalid\. Allowed: VOC, COCO/],
    [
      '--version-format',
      'Parquet',
      /--version-format <format>' argument 'Parquet' is invalid\. Allowed: Default, CarbonData, CSV/,
    ],
    [
      '--new-dataset-version-format',
      'Parquet',
      /--new-dataset-version-format <format>' argument 'Parquet' is invalid\. Allowed: Default, CarbonData, CSV/,
    ],
    [
      '--sample-state',
      'approved',
      /--sample-state <state>' argument 'approved' is invalid\. Allowed: labeled, unlabeled, unchecked, accepted/,
    ],
    [
      '--source-type-header',
      'http://',
      /--source-type-header <prefix>' argument 'http:\/\/' is invalid\. Allowed: obs:\/\/, s3:\/\//,
    ],
    [
      '--train-sample-ratio',
      '1.5',
      /--train-sample-ratio <ratio>' argument '1.5' is invalid\. It must be a decimal string from "0.00" to "1.00"/,
    ],
    [
      '--new-dataset-work-path',
      'bucket/x',
      /--new-dataset-work-path <obs-path>' argument 'bucket\/x' is invalid\. It must be an OBS path/,
    ],
    [
      '--new-dataset-version-name',
      'bad name!',
      /--new-dataset-version-name <name>' argument 'bad name!' is invalid\. It must be 1-32 characters/,
    ],
    ['--deadline', 'soon', /--deadline <duration>' argument 'soon' is invalid\. Use a duration such as 90m, 6h or 2d/],
    ['--search-condition', '{not json', /--search-condition <json>' argument '\{not json' is invalid\. It is not JSON/],
    [
      '--search-condition',
      '{"colour":"red"}',
      /--search-condition <json>' argument .* is invalid\. colour: unknown field/,
    ],
    ['--search-condition', '{"sample_time":"yesterday"}', /sample_time: must be "month", "day" or "yyyyMMdd-yyyyMMdd"/],
    ['--samples', ' , ', /--samples <ids>' argument ' , ' is invalid\. Give sample ids separated by commas/],
    ['--version-id', 'a/b', /--version-id <id>' argument 'a\/b' is invalid/],
  ])('%s %s', async (flag, value, message) => {
    expect(await rejected(...base, flag, value)).toMatch(message);
  });

  it('rejects a bad --path and --dataset', async () => {
    expect(await rejected('start', '--dataset', 'ds1', '--path', 'not-a-path')).toMatch(
      /--path <obs-path>' argument 'not-a-path' is invalid\. It must be an OBS path/,
    );
    expect(await rejected('start', '--dataset', 'a b', '--path', '/bucket/out/')).toMatch(
      /--dataset <id>' argument 'a b' is invalid/,
    );
  });

  it('requires --dataset and --path unless --spec is given', async () => {
    expect(await rejected('start', '--dataset', 'ds1')).toMatch(
      /start needs --dataset ID and --path OBS_PATH, or --spec FILE\.json; missing --path/,
    );
    expect(await rejected('start')).toMatch(/missing --dataset and --path/);
  });

  it('requires --new-dataset and --new-dataset-work-path together', async () => {
    expect(await rejected(...base, '--new-dataset', 'n1')).toMatch(
      /--new-dataset and --new-dataset-work-path go together/,
    );
    expect(await rejected(...base, '--new-dataset-work-path', '/bucket/n1/')).toMatch(
      /--new-dataset and --new-dataset-work-path go together/,
    );
  });

  it("rejects a new dataset's work path under the export path, naming the flag, before anything is created", async () => {
    const stderr = await rejected(
      'start',
      '--dataset',
      'gfghHSokody6AJigS5A',
      '--path',
      '/bucket/out/',
      '--new-dataset',
      'copy',
      '--new-dataset-work-path',
      '/bucket/out/copy/',
    );
    expect(stderr).toMatch(/--new-dataset-work-path.*must not be the export path \(path\) or a folder under it/);
  });

  it('rejects conflicting flags, naming both', async () => {
    expect(await rejected(...base, '--with-column-header', '--no-column-header')).toMatch(
      /option '--with-column-header' cannot be used with option '--no-column-header'/,
    );
    expect(await rejected('start', '--spec', 'x.json', '--dataset', 'ds1')).toMatch(
      /option '--spec <file>' cannot be used with option '--dataset <id>'/,
    );
    expect(await rejected('start', '--spec', 'x.json', '--annotation-format', 'COCO')).toMatch(
      /option '--spec <file>' cannot be used with option '--annotation-format <format>'/,
    );
  });

  it('reports spec files it cannot use, naming the file and the field', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-spec-'));
    const bad = path.join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        steps: [{ kind: 'export', datasetId: 'ds1', request: { path: '/bucket/out/', export_format: 7 } }],
      }),
    );
    expect(await rejected('start', '--spec', bad)).toMatch(
      /--spec .*bad\.json: invalid spec:\n {2}- steps\[0\]\.request\.export_format: must be one of 1 \(tree\), 2 \(tile\); got 7/,
    );
    const notJson = path.join(dir, 'not.json');
    writeFileSync(notJson, '{steps:');
    expect(await rejected('start', '--spec', notJson)).toMatch(/not\.json: not valid JSON/);
    expect(await rejected('start', '--spec', path.join(dir, 'missing.json'))).toMatch(
      /missing\.json: cannot read the file \(ENOENT\)/,
    );
  });

  it('rejects unknown options and commands with exit 2', async () => {
    expect(await rejected(...base, '--colour', 'red')).toMatch(/unknown option '--colour'/);
    expect(await rejected('frobnicate')).toMatch(/unknown command 'frobnicate'/);
    expect((await cli()).code).toBe(2);
  });
});

describe('start: OBS path characters, ids and sizes', () => {
  it("rejects a path character outside ModelArts.4313's list, naming the flag and the opt-out flag", async () => {
    const stderr = await rejected('start', '--dataset', 'ds1', '--path', '/bucket/out.v2/', '--dry-run');
    expect(stderr).toContain(
      '--path: character "." (U+002E) is not allowed in an OBS path: use digits, letters, "-", "_" and "/" ' +
        '(ModelArts.4313), or pass --path-characters any',
    );
    expect(await rejected(...base, '--new-dataset', 'n1', '--new-dataset-work-path', '/bucket/n 1/')).toContain(
      '--new-dataset-work-path: character " " (U+0020) is not allowed',
    );
  });

  it('--path-characters any lets other characters through; structure and length are still checked', async () => {
    const r = await cli(
      'start',
      '--dataset',
      'ds1',
      '--path',
      '/my.bucket/out.v2/',
      '--path-characters',
      'any',
      '--dry-run',
    );
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(r.stdout)).toMatchObject({
      pathCharacters: 'any',
      steps: [{ request: { path: '/my.bucket/out.v2/' } }],
    });
    expect(await rejected(...base, '--path-characters', 'most')).toMatch(/Allowed choices are documented, any/);
    for (const [bad, problem] of [
      ['/bucket/../x/', 'must not have "." or ".." as a folder name'],
      [`/bucket/${'x'.repeat(100_000)}/`, 'is 100009 bytes long; an OBS path is at most 1024 bytes'],
    ] as const) {
      const stderr = await rejected('start', '--dataset', 'ds1', '--path', bad, '--path-characters', 'any');
      expect(stderr).toContain(problem);
      expect(stderr.length).toBeLessThan(1000); // the value is echoed cut short
    }
  });

  it('applies to --spec files too: the message names the spec field and the flag; the flag works with --spec', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-chars-'));
    const file = path.join(dir, 'dotted.json');
    writeFileSync(
      file,
      JSON.stringify({ steps: [{ kind: 'export', datasetId: 'ds1', request: { path: '/b-1/v1.2/' } }] }),
    );
    expect(await rejected('start', '--spec', file, '--dry-run')).toContain(
      'steps[0].request.path: character "." (U+002E) is not allowed in an OBS path: use digits, letters, "-", "_" ' +
        'and "/" (ModelArts.4313), or set pathCharacters: "any" in the spec or pass --path-characters any',
    );
    const r = await cli('start', '--spec', file, '--path-characters', 'any', '--dry-run');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).pathCharacters).toBe('any');
    expect(await rejected('schedule', 'create', 's1', '--every', '1h', '--spec', file, '--dry-run')).toContain(
      'character "." (U+002E) is not allowed',
    );
    expect(
      (await cli('schedule', 'create', 's1', '--every', '1h', '--spec', file, '--path-characters', 'any', '--dry-run'))
        .code,
    ).toBe(0);
  });

  it('rejects dataset and version ids of "." or "..", naming the flag', async () => {
    expect(await rejected('start', '--dataset', '..', '--path', '/bucket/out/')).toMatch(
      /--dataset <id>' argument '\.\.' is invalid\. It must be a non-empty id/,
    );
    expect(await rejected(...base, '--version-id', '.')).toMatch(/--version-id <id>' argument '\.' is invalid/);
  });

  it('--id rejects control characters, newlines, bidi overrides and more than 200 characters, naming the flag', async () => {
    for (const [id, problem] of [
      ['abc\ndef', 'found U+000A'],
      ['run-\u202egnp.exe', 'found U+202E'],
      ['a\u2066b', 'found U+2066'],
      ['x\u0007', 'found U+0007'],
      ['i'.repeat(201), 'must be at most 200 characters; got 201'],
      [' ', 'must not be empty'],
    ]) {
      const stderr = await rejected(...base, '--id', id!);
      expect(stderr).toMatch(/option '--id <workflow-id>' argument .* is invalid\./);
      expect(stderr).toContain(problem);
      // The rejected value is echoed quoted and cut short: no raw newline or bidi override reaches the terminal.
      // eslint-disable-next-line no-control-regex -- control characters are what this rejects
      expect(stderr).not.toMatch(/[\u0007\u202e\u2066]|abc\ndef/);
      expect(stderr.length).toBeLessThan(600);
    }
    expect((await cli(...base, '--id', 'nightly-flowers.2024_05')).code).toBe(0);
  });

  it('echoes a long rejected summary cut short', async () => {
    const stderr = await rejected(...base, '--summary', 's'.repeat(100_000));
    expect(stderr).toContain('summary: Too big');
    expect(stderr.length).toBeLessThan(600);
  });
});

describe('library: workflow ids and run details', () => {
  const spec = parsePipelineSpec({ steps: [{ kind: 'export', datasetId: 'ds1', request: { path: '/bucket/out/' } }] });

  it('gives every start its own automatic id, also within one second, from documented path characters', () => {
    const ids = Array.from({ length: 50 }, () => defaultWorkflowId(spec));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^modelarts-export-ds1-\d{8}T\d{6}Z-[a-z0-9]{6}$/);
  });

  it('startRun rejects a bad workflowId, naming it, before contacting anything', async () => {
    // A lazy client: nothing is contacted unless a call is made (and nothing listens on port 1).
    const client = new Client({ connection: undefined, namespace: 'default' });
    for (const workflowId of ['a\nb', 'x\u202ey', 'w'.repeat(201)]) {
      const err = await startRun(client, spec, { taskQueue: 'q', workflowId }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SpecError);
      expect((err as SpecError).issues[0]?.field).toBe('workflowId');
    }
    await expect(
      startRun(
        client,
        { steps: [{ kind: 'export', datasetId: 'ds1', request: { path: '/b-1/a.b/' } }] },
        { taskQueue: 'q' },
      ),
    ).rejects.toThrow(/character "\." \(U\+002E\)/);
  });

  it('shows a small spec whole in the run details, and a big one as a short list of steps', () => {
    expect(detailsOf(spec)).toContain('"datasetId": "ds1"');
    const big = parsePipelineSpec({
      steps: Array.from({ length: 100 }, (_, i) => ({
        kind: 'export',
        datasetId: `ds${i}`,
        request: { path: `/bucket/out-${i}/`, export_params: { samples: Array(200).fill('sample-0123456789') } },
      })),
    });
    const details = detailsOf(big);
    expect(details.length).toBeLessThanOrEqual(4096);
    expect(details).toContain('1. export on ds0: /bucket/out-0/');
    expect(details).not.toContain('sample-0123456789');
  });
});

describe('other commands', () => {
  it('list --status only accepts known states', async () => {
    expect(await rejected('list', '--status', 'sleeping')).toMatch(
      /--status <status>' argument 'sleeping' is invalid\. Allowed: running, completed, failed, cancelled, terminated, timed-out/,
    );
  });

  it('status and cancel need an id', async () => {
    expect(await rejected('status')).toMatch(/missing required argument 'id'/);
    expect(await rejected('cancel')).toMatch(/missing required argument 'id'/);
  });

  it('simulator and dev reject bad ports', async () => {
    expect(await rejected('simulator', '--port', 'http')).toMatch(/--port <n>' argument 'http' is invalid/);
    expect(await rejected('dev', '--sim-port', '70000')).toMatch(/--sim-port <n>' argument '70000' is invalid/);
  });

  it('stack up rejects ports the server cannot store and bad worker counts, before starting anything', async () => {
    expect(await rejected('stack', 'up', '--base-port', '40000')).toMatch(
      /--base-port <n>' argument '40000' is invalid\. Use a port from 1024 to 32668/,
    );
    expect(await rejected('stack', 'up', '--workers', 'many')).toMatch(/--workers <n>' argument 'many' is invalid/);
    expect(await rejected('stack', 'restart')).toMatch(/unknown command 'restart'/);
  });

  it('worker exits 2 on missing configuration, naming the variables', async () => {
    const r = await cli('worker');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/MODELARTS_ENDPOINT/);
  });

  it.each(['start', 'status', 'cancel', 'list', 'worker', 'simulator', 'dev', 'stack'])(
    '%s --help shows an example',
    async (command) => {
      const r = await cli(command, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Example/);
      expect(r.stdout).toMatch(new RegExp(`\\$ modelarts-export ${command}|modelarts-export ${command}`));
    },
  );

  it('--version prints the package version', async () => {
    const r = await cli('--version');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('list query', () => {
  it('filters on the workflow type, the dataset search attribute and the status', () => {
    expect(listRunsQuery({})).toBe("WorkflowType = 'exportPipeline'");
    expect(listRunsQuery({ datasetId: 'ds1', status: 'cancelled' })).toBe(
      "WorkflowType = 'exportPipeline' AND ModelArtsDatasetId = 'ds1' AND ExecutionStatus = 'Canceled'",
    );
  });
});

describe('progress view', () => {
  const now = 1_000_000;
  it('describes the running step: n/m, status, %, samples, next read', () => {
    const d = describeProgress(
      {
        workflowId: 'w',
        status: 'RUNNING',
        pipeline: {
          workflowId: 'w',
          current: 1,
          steps: [
            { index: 0, kind: 'export', workflowId: 'w.step-1', state: 'done' },
            { index: 1, kind: 'export', workflowId: 'w.step-2', state: 'running' },
          ],
        },
        step: {
          index: 1,
          kind: 'export',
          datasetId: 'd',
          taskId: 't9',
          status: 'RUNNING',
          phase: 'waiting',
          progress: 42.4,
          totalSampleCount: 300,
          finishedSampleCount: 127,
          statusReads: 3,
          nextReadAtMs: now + 12_000,
          startedAtMs: now - 60_000,
        },
      },
      now,
    );
    expect(d.text).toBe('step 2/2  export  RUNNING  42%  127/300 samples  task t9');
    expect(d.live).toBe('next read in 12s');
    expect(d.percent).toBe(42);
  });

  it('says when nobody answers and when the run has ended', () => {
    expect(describeProgress(undefined).text).toMatch(/is a worker running/);
    expect(describeProgress({ workflowId: 'w', status: 'COMPLETED' }).text).toBe('run completed');
  });

  it('draws a bar', () => {
    expect(bar(50, 10)).toBe('[█████░░░░░]');
    expect(bar(150, 4)).toBe('[████]');
  });
});
