/**
 * Time placeholders in export paths: the pure expansion the pipeline workflow runs at its start, which time it uses
 * (scheduled time, else start time), and how spec validation treats paths that hold placeholders.
 */
import { TypedSearchAttributes, defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { parsePipelineSpec, SpecError } from '../../src/spec/pipeline.js';
import {
  ALLOWED_PLACEHOLDERS,
  expandPlaceholders,
  expandSpecPlaceholders,
  placeholderTime,
  placeholderValues,
  scheduledStartTime,
  unknownPlaceholders,
} from '../../src/contract/placeholders.js';
import type { PipelineSpec } from '../../src/workflows/types.js';

const at = new Date('2024-03-09T07:05:03.250Z');

describe('expandPlaceholders', () => {
  it('fills every placeholder in UTC by default', () => {
    expect(placeholderValues(at)).toEqual({
      date: '2024-03-09',
      time: '070503',
      datetime: '20240309T070503Z',
      year: '2024',
      month: '03',
      day: '09',
      hour: '07',
      minute: '05',
    });
    expect(expandPlaceholders('/bucket/out/{date}/{time}/', at)).toBe('/bucket/out/2024-03-09/070503/');
    expect(expandPlaceholders('/bucket/{year}/{month}/{day}/{hour}{minute}-{datetime}/', at)).toBe(
      '/bucket/2024/03/09/0705-20240309T070503Z/',
    );
  });

  it('uses the given time zone for everything but {datetime}, which stays UTC', () => {
    const late = new Date('2024-12-31T23:30:00Z');
    expect(expandPlaceholders('{date} {time} {datetime}', late, 'Asia/Shanghai')).toBe(
      '2025-01-01 073000 20241231T233000Z',
    );
    expect(expandPlaceholders('{date} {hour}', late, 'America/New_York')).toBe('2024-12-31 18');
    expect(expandPlaceholders('{date} {hour}', late, 'UTC')).toBe('2024-12-31 23');
  });

  it('leaves text without placeholders, and unknown placeholders, as they are', () => {
    expect(expandPlaceholders('/bucket/out/', at)).toBe('/bucket/out/');
    expect(expandPlaceholders('/bucket/{week}/{date}/', at)).toBe('/bucket/{week}/2024-03-09/');
    expect(expandPlaceholders('/bucket/{week}/', at, undefined, 'x')).toBe('/bucket/x/');
    expect(unknownPlaceholders('/b/{week}/{date}/{}/{week}/{Date}')).toEqual(['week', '', 'Date']);
  });

  it('is deterministic: the same time gives the same folder', () => {
    const again = new Date(at.getTime());
    expect(expandPlaceholders('/b/{datetime}/', again)).toBe(expandPlaceholders('/b/{datetime}/', at));
  });
});

describe('expandSpecPlaceholders', () => {
  const spec: PipelineSpec = {
    steps: [
      {
        kind: 'export',
        datasetId: 'ds1',
        request: {
          path: '/bucket/in/{date}/',
          export_params: {
            export_dest: 'NEW_DATASET',
            export_new_dataset_name: 'flowers-{date}',
            export_new_dataset_work_path: '/bucket/new/{datetime}/',
            samples: ['{date}'],
          },
        },
      },
      { kind: 'intelligent-task', request: { task_type: 'auto-label' } },
      { kind: 'export', request: { path: '/bucket/coco/{year}/' } },
    ],
    wait: {},
  };

  it('fills the path, the new dataset name and work path of export steps, nothing else', () => {
    const out = expandSpecPlaceholders(spec, at);
    expect(out.steps[0]).toEqual({
      kind: 'export',
      datasetId: 'ds1',
      request: {
        path: '/bucket/in/2024-03-09/',
        export_params: {
          export_dest: 'NEW_DATASET',
          export_new_dataset_name: 'flowers-2024-03-09',
          export_new_dataset_work_path: '/bucket/new/20240309T070503Z/',
          samples: ['{date}'],
        },
      },
    });
    expect(out.steps[1]).toBe(spec.steps[1]);
    expect(out.steps[2]).toEqual({ kind: 'export', request: { path: '/bucket/coco/2024/' } });
    // The input is not changed.
    expect(spec.steps[0]).toMatchObject({ request: { path: '/bucket/in/{date}/' } });
  });

  it('returns the same spec when there is nothing to fill in (old runs replay unchanged)', () => {
    const plain: PipelineSpec = { steps: [{ kind: 'export', datasetId: 'd', request: { path: '/bucket/x/' } }] };
    expect(expandSpecPlaceholders(plain, at)).toBe(plain);
  });

  it("uses the spec's time zone", () => {
    const zoned: PipelineSpec = {
      steps: [{ kind: 'export', datasetId: 'd', request: { path: '/bucket/{date}/' } }],
      timezone: 'Asia/Tokyo',
    };
    const out = expandSpecPlaceholders(zoned, new Date('2024-03-09T20:00:00Z'));
    expect(out.steps[0]).toMatchObject({ request: { path: '/bucket/2024-03-10/' } });
  });
});

describe('which time: scheduled, else started', () => {
  const scheduledKey = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
  const byKey = defineSearchAttributeKey('TemporalScheduledById', SearchAttributeType.KEYWORD);
  const startTime = new Date('2024-03-09T07:06:41Z');
  const scheduled = new Date('2024-03-09T07:00:00Z');

  it('reads TemporalScheduledStartTime from the typed search attributes', () => {
    const typedSearchAttributes = new TypedSearchAttributes([
      { key: scheduledKey, value: scheduled },
      { key: byKey, value: 'nightly' },
    ]);
    expect(scheduledStartTime({ typedSearchAttributes })).toEqual(scheduled);
    expect(placeholderTime({ typedSearchAttributes, searchAttributes: {}, startTime })).toEqual(scheduled);
  });

  it('falls back to the untyped map (Date or ISO string)', () => {
    const empty = new TypedSearchAttributes();
    expect(
      scheduledStartTime({
        typedSearchAttributes: empty,
        searchAttributes: { TemporalScheduledStartTime: [scheduled] },
      }),
    ).toEqual(scheduled);
    expect(
      scheduledStartTime({
        typedSearchAttributes: empty,
        searchAttributes: { TemporalScheduledStartTime: ['2024-03-09T07:00:00Z'] },
      }),
    ).toEqual(scheduled);
  });

  it("uses the run's start time when no schedule started it", () => {
    expect(
      placeholderTime({ typedSearchAttributes: new TypedSearchAttributes(), searchAttributes: {}, startTime }),
    ).toBe(startTime);
    expect(placeholderTime({ searchAttributes: { TemporalScheduledStartTime: ['not a time'] }, startTime })).toBe(
      startTime,
    );
  });
});

describe('spec validation with placeholders', () => {
  const exportSpec = (request: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    steps: [{ kind: 'export', datasetId: 'ds1', request }],
    ...extra,
  });

  function issues(input: unknown): string[] {
    try {
      parsePipelineSpec(input);
    } catch (err) {
      if (err instanceof SpecError) return err.issues.map((i) => i.message);
      throw err;
    }
    throw new Error('expected a SpecError');
  }

  it('accepts placeholders in the path, new dataset name and work path, and keeps them as written', () => {
    const spec = parsePipelineSpec(
      exportSpec({
        path: 'obs://bucket-{year}/exports/{date}/{time}/',
        export_params: {
          export_dest: 'NEW_DATASET',
          export_new_dataset_name: 'flowers_{datetime}',
          export_new_dataset_work_path: '/bucket/new/{date}/',
        },
      }),
    );
    expect(spec.steps[0]).toMatchObject({
      request: {
        path: 'obs://bucket-{year}/exports/{date}/{time}/',
        export_params: {
          export_new_dataset_name: 'flowers_{datetime}',
          export_new_dataset_work_path: '/bucket/new/{date}/',
        },
      },
    });
  });

  it('rejects unknown placeholders, naming the field and the allowed names', () => {
    expect(issues(exportSpec({ path: '/bucket/{week}/' }))).toEqual([
      `steps[0].request.path: unknown placeholder {week}; allowed: ${ALLOWED_PLACEHOLDERS}`,
    ]);
    expect(
      issues(
        exportSpec({
          // Not /bucket/x/: the unknown placeholder is checked as "x", and a work path may not be the export path.
          path: '/bucket/out/',
          export_params: {
            export_dest: 'NEW_DATASET',
            export_new_dataset_name: 'n-{Date}',
            export_new_dataset_work_path: '/bucket/{}/',
          },
        }),
      ),
    ).toEqual([
      `steps[0].request.export_params.export_new_dataset_name: unknown placeholder {Date}; allowed: ${ALLOWED_PLACEHOLDERS}`,
      `steps[0].request.export_params.export_new_dataset_work_path: unknown placeholder {}; allowed: ${ALLOWED_PLACEHOLDERS}`,
    ]);
  });

  it('checks the rest of the value with sample values filled in, and shows what was written', () => {
    const [message, ...rest] = issues(exportSpec({ path: '/bucket//{date}/' }));
    expect(rest).toEqual([]);
    expect(message).toMatch(/^steps\[0\]\.request\.path: must be an OBS path/);
    expect(message).toContain('got "/bucket//{date}/" (checked as "/bucket//2024-12-31/")');
    // An unclosed brace is not a placeholder: "{" is a character OBS paths may not use (ModelArts.4313).
    expect(issues(exportSpec({ path: '/bucket/{date/' }))[0]).toMatch(
      /steps\[0\]\.request\.path: character "\{" \(U\+007B\) is not allowed in an OBS path/,
    );
    // A bucket root is not a valid work path, with or without placeholders.
    expect(
      issues(
        exportSpec({
          path: '/bucket/x/',
          export_params: {
            export_dest: 'NEW_DATASET',
            export_new_dataset_name: 'n',
            export_new_dataset_work_path: '/b{year}',
          },
        }),
      )[0],
    ).toMatch(/export_new_dataset_work_path: must be an OBS folder below the bucket/);
  });

  it('does not accept placeholders in other fields', () => {
    expect(
      issues(exportSpec({ path: '/bucket/x/', export_params: { export_dataset_version_name: 'v{date}' } }))[0],
    ).toMatch(/export_dataset_version_name: must be 1-32 characters/);
  });

  it('validates the time zone', () => {
    expect(parsePipelineSpec(exportSpec({ path: '/bucket/{date}/' }, { timezone: 'Europe/Berlin' })).timezone).toBe(
      'Europe/Berlin',
    );
    expect(issues(exportSpec({ path: '/bucket/x/' }, { timezone: 'Mars/Olympus' }))).toEqual([
      'timezone: must be an IANA time zone such as "UTC" or "Europe/Berlin"; got "Mars/Olympus"',
    ]);
  });
});
