/** The CLI with the lifecycle step kinds: `start --spec` validates them before contacting anything; results print. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatStep } from '../../src/cli/format.js';
import type { StepResult } from '../../src/workflows/types.js';
import { cli, rejected } from '../support/cli-in-process.js';

describe('start --spec with import and publish-version steps', () => {
  it('dry-runs the demo spec: the steps as written, placeholders kept for the run to fill in', async () => {
    const r = await cli('start', '--spec', 'docs/examples/lifecycle.json', '--dry-run');
    expect([r.code, r.stderr]).toEqual([0, '']);
    const spec = JSON.parse(r.stdout) as { steps: { kind: string; version?: string; request: { path?: string } }[] };
    expect(spec.steps.map((s) => s.kind)).toEqual([
      'import',
      'intelligent-task',
      'publish-version',
      'export',
      'export',
    ]);
    expect(spec.steps[3]).toMatchObject({
      version: 'previous',
      request: { path: '/demo-bucket/lifecycle-{datetime}/input/' },
    });
  });

  it('rejects a bad import or version before contacting anything, naming the field and the allowed values', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-lifecycle-'));
    const bad = path.join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        steps: [
          { kind: 'import', datasetId: 'ds1', request: { import_path: 'obs://bucket/in/', import_type: 'folder' } },
          { kind: 'export', version: 'previous', request: { path: '/bucket/out/' } },
        ],
      }),
    );
    const stderr = await rejected('start', '--spec', bad);
    expect(stderr).toContain('steps[0].request.import_type: must be one of dir, manifest; got "folder"');
    writeFileSync(
      bad,
      JSON.stringify({
        steps: [
          { kind: 'import', datasetId: 'ds1', request: { import_path: 'obs://bucket/in/' } },
          { kind: 'export', version: 'previous', request: { path: '/bucket/out/' } },
        ],
      }),
    );
    expect(await rejected('start', '--spec', bad)).toContain(
      'steps[1].version: "previous" needs a publish-version step before this step',
    );
  });
});

describe('step results as the CLI prints them', () => {
  const base = {
    workflowId: 'w.step-1',
    datasetId: 'ds1',
    outcome: 'succeeded',
    reattached: false,
    statusReads: 2,
    elapsedMs: 1,
  } as const;
  it('names the version a publish-version step published, and the version an export exported', () => {
    const version: StepResult = {
      ...base,
      index: 2,
      kind: 'publish-version',
      taskId: 'vid1',
      versionId: 'vid1',
      versionName: 'V003',
      status: '1',
    };
    expect(formatStep(version)).toContain('3. publish-version on dataset ds1  version V003 (vid1)  1');
    const exported: StepResult = {
      ...base,
      index: 3,
      kind: 'export',
      taskId: 't1',
      versionId: 'vid1',
      status: 'SUCCESSED',
    };
    expect(formatStep(exported)).toContain('task t1  SUCCESSED  of version vid1');
    const imported: StepResult = {
      ...base,
      index: 0,
      kind: 'import',
      taskId: 'ds1_x',
      status: 'COMPLETED',
      totalSampleCount: 20,
      finishedSampleCount: 20,
    };
    expect(formatStep(imported)).toContain('1. import on dataset ds1  task ds1_x  COMPLETED  20/20 samples');
  });
});
