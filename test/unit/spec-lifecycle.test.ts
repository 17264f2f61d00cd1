/** The import and publish-version step kinds, and `version: "previous"` on exports, as the spec validates them. */
import { readFileSync } from 'node:fs';
import { parsePipelineSpec, pipelineSpecJsonSchema, SpecError } from '../../src/spec/pipeline.js';

function issuesOf(input: unknown): string[] {
  try {
    parsePipelineSpec(input);
  } catch (err) {
    if (err instanceof SpecError) return err.issues.map((i) => i.message);
    throw err;
  }
  return [];
}

const importStep = { kind: 'import', datasetId: 'ds1', request: { import_path: 'obs://bucket/batch/' } };
const publish = { kind: 'publish-version', request: { version_name: 'v1' } };
const exportPrevious = { kind: 'export', version: 'previous', request: { path: '/bucket/out/' } };

describe('lifecycle steps in the spec', () => {
  it('accepts the demo spec in docs/examples as it is', () => {
    const spec = parsePipelineSpec(JSON.parse(readFileSync('docs/examples/lifecycle.json', 'utf8')));
    expect(spec.steps.map((s) => s.kind)).toEqual([
      'import',
      'intelligent-task',
      'publish-version',
      'export',
      'export',
    ]);
  });

  it('names a bad step kind and lists the allowed kinds', () => {
    expect(issuesOf({ steps: [{ kind: 'imports', datasetId: 'ds1' }] })).toEqual([
      'steps[0].kind: must be one of export, intelligent-task, wait-task, import, publish-version; got "imports"',
    ]);
  });

  it('names bad import fields with the allowed values', () => {
    const problems = issuesOf({
      steps: [
        { ...importStep, request: { import_path: 'obs://bucket/x/', import_type: 'zip', import_origin: 'ftp' } },
        { kind: 'import', request: {} },
        { kind: 'import', request: { import_path: 'obs://bucket/x/', import_type: 'manifest' } },
      ],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'steps[0].request.import_type: must be one of dir, manifest; got "zip"',
        'steps[0].request.import_origin: must be one of obs, dws, dli, rds, mrs, inference; got "ftp"',
        'steps[1].request.import_path: is required',
        'steps[2].request.import_path: must name the manifest file when import_type is manifest',
      ]),
    );
  });

  it('names bad version fields, and keeps room in the description for the run marker', () => {
    expect(
      issuesOf({
        steps: [
          { ...importStep },
          { kind: 'publish-version', request: { version_name: 'v 1', version_format: 'Parquet' } },
        ],
      }),
    ).toEqual([
      'steps[1].request.version_name: must be 1-32 characters: letters, digits, "_" or "-"; got "v 1"',
      'steps[1].request.version_format: must be one of Default, CarbonData, CSV; got "Parquet"',
    ]);
    expect(
      issuesOf({ steps: [importStep, { kind: 'publish-version', request: { description: 'x'.repeat(129) } }] }),
    ).toEqual(['steps[1].request.description: must be at most 128 characters (the run adds its marker to it)']);
    expect(
      issuesOf({ steps: [importStep, { kind: 'publish-version', request: { description: 'x'.repeat(128) } }] }),
    ).toEqual([]);
  });

  it('takes version "previous" only after a publish-version step on the same dataset', () => {
    expect(issuesOf({ steps: [importStep, publish, exportPrevious] })).toEqual([]);
    expect(issuesOf({ steps: [{ ...exportPrevious, datasetId: 'ds1' }] })).toEqual([
      'steps[0].version: "previous" needs a publish-version step before this step',
    ]);
    expect(issuesOf({ steps: [importStep, publish, { ...exportPrevious, version: 'latest' }] })).toEqual([
      'steps[2].version: must be one of previous; got "latest"',
    ]);
    expect(
      issuesOf({
        steps: [importStep, publish, { ...exportPrevious, request: { path: '/bucket/out/', version_id: 'abc' } }],
      }),
    ).toEqual(['steps[2].request.version_id: give either request.version_id or version "previous", not both']);
    // The dataset chain moved on: to another dataset id, or to the dataset a NEW_DATASET export made.
    expect(issuesOf({ steps: [importStep, publish, { ...exportPrevious, datasetId: 'ds2' }] })).toEqual([
      'steps[2].version: "previous" is the version step 2 published on its dataset, but this step exports another dataset',
    ]);
    const toNewDataset = {
      kind: 'export',
      request: {
        path: '/bucket/a/',
        export_params: {
          export_dest: 'NEW_DATASET',
          export_new_dataset_name: 'copy',
          export_new_dataset_work_path: '/bucket/b/',
        },
      },
    };
    expect(issuesOf({ steps: [importStep, publish, toNewDataset, exportPrevious] })).toHaveLength(1);
    // An export of the same dataset in between does not move the chain.
    expect(
      issuesOf({ steps: [importStep, publish, { kind: 'export', request: { path: '/bucket/a/' } }, exportPrevious] }),
    ).toEqual([]);
  });

  it('publishes the new kinds in the JSON Schema', () => {
    const text = JSON.stringify(pipelineSpecJsonSchema());
    for (const word of ['"import"', '"publish-version"', '"previous"', 'import_path', 'version_name']) {
      expect(text).toContain(word);
    }
  });
});
