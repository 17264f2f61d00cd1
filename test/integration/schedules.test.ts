/**
 * Recurring exports on Temporal Schedules against the suite's real dev server, a real worker process and the
 * simulator: the library API (src/client/schedules.ts) and the built CLI (`node bin/modelarts-export.js schedule
 * ...`, so `npm run build` first; npm test does it). Runs are started by trigger and backfill, never by waiting for
 * the clock, so the file takes seconds.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter, tsToDate } from '@temporalio/common';
import { awaitRun, startRun } from '../../src/client/runs.js';
import {
  backfillSchedule,
  createSchedule,
  deleteSchedule,
  describeSchedule,
  listSchedules,
  pauseSchedule,
  scheduledRunsQuery,
  triggerSchedule,
  unpauseSchedule,
  updateSchedule,
} from '../../src/client/schedules.js';
import { placeholderValues, scheduledStartTime } from '../../src/contract/placeholders.js';
import { DatasetIdKey } from '../../src/workflows/search-attributes.js';
import type { StepInput } from '../../src/workflows/types.js';
import { runCli, type CliResult } from '../support/cli-process.js';
import { createHarness, eventually, expectSucceeded, FAST_POLICY, type Harness } from '../support/harness.js';
import { runMarker } from '../../src/workflows/marker.js';

// Per test: the integration project's testTimeout is not applied to projects by this Jest version.
const TIMEOUT = 120_000;
const wait = { policy: FAST_POLICY, deadline: '2m' };

let h: Harness;
const created = new Set<string>();

beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
});
afterAll(async () => {
  // Schedules outlive the test otherwise (they are server state, not the worker's).
  await Promise.all([...created].map((id) => deleteSchedule(h.client, id).catch(() => undefined)));
  await h?.close();
});

const scheduleId = (name: string) => {
  const id = `sched-${name}-${randomUUID().slice(0, 8)}`;
  created.add(id);
  return id;
};

function exportSpec(datasetId: string, exportPath: string) {
  return { steps: [{ kind: 'export', datasetId, request: { path: exportPath } }], wait };
}

function dataset(name: string): string {
  const ds = h.sim.createDataset({ dataset_name: name });
  h.sim.setBehavior(ds.dataset_id, { durationMs: 600, progress: 'linear', totalSamples: 5 });
  return ds.dataset_id;
}

/** The scheduled time the run carries (what its placeholders were filled from). */
async function scheduledTimeOf(client: Client, workflowId: string): Promise<Date> {
  const description = await client.workflow.getHandle(workflowId).describe();
  const at = scheduledStartTime(description);
  if (!at) throw new Error(`run ${workflowId} has no TemporalScheduledStartTime`);
  return at;
}

describe('placeholders without a schedule', () => {
  it(
    "a run started directly fills them from its start time (the started event's time)",
    async () => {
      const ds = dataset('sched-adhoc');
      const { workflowId } = await startRun(h.client, exportSpec(ds, '/bucket/adhoc/{datetime}/'), {
        taskQueue: h.taskQueue,
      });
      const result = expectSucceeded(await awaitRun(h.client, workflowId));
      const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
      const startedAt = tsToDate(history.events![0]!.eventTime!);
      const { runId } = await h.client.workflow.getHandle(workflowId).describe();
      expect(result.steps[0]!.outputPath).toBe(
        `/bucket/adhoc/${placeholderValues(startedAt).datetime}/${runMarker(workflowId, 0, runId)}/`,
      );
    },
    TIMEOUT,
  );
});

describe('library', () => {
  it(
    'creates cron and interval schedules; describe, list, update, pause/unpause and delete them',
    async () => {
      const ds = dataset('sched-lib');
      const cronId = scheduleId('cron');
      const everyId = scheduleId('every');
      await createSchedule(h.client, {
        scheduleId: cronId,
        spec: exportSpec(ds, '/bucket/lib/{date}/'),
        cron: '30 2 * * MON-FRI',
        timezone: 'Europe/Berlin',
        overlap: 'buffer-one',
        catchupWindow: '10m',
        pauseOnFailure: true,
        note: 'nightly',
        taskQueue: h.taskQueue,
      });
      await createSchedule(h.client, {
        scheduleId: everyId,
        spec: exportSpec(ds, '/bucket/lib-every/{datetime}/'),
        every: '1h',
        paused: true,
        taskQueue: h.taskQueue,
      });

      const cron = await describeSchedule(h.client, cronId);
      expect(cron).toMatchObject({
        scheduleId: cronId,
        cron: ['30 2 * * 1-5'],
        every: [],
        timezone: 'Europe/Berlin',
        overlap: 'buffer-one',
        catchupWindowMs: 600_000,
        pauseOnFailure: true,
        paused: false,
        note: 'nightly',
        workflowType: 'exportPipeline',
        taskQueue: h.taskQueue,
        workflowIdPrefix: `${cronId}-workflow`,
        datasetId: ds,
        // The placeholders' time zone is the schedule's; the path is stored as written.
        spec: { timezone: 'Europe/Berlin', steps: [{ request: { path: '/bucket/lib/{date}/' } }] },
        actionsTaken: 0,
      });
      expect(cron.nextRunTimes.length).toBeGreaterThan(0);
      for (const t of cron.nextRunTimes) {
        const local = placeholderValues(t, 'Europe/Berlin');
        expect(`${local.hour}:${local.minute}`).toBe('02:30');
        expect([1, 2, 3, 4, 5]).toContain(new Date(`${local.date}T00:00:00Z`).getUTCDay());
      }
      const every = await describeSchedule(h.client, everyId);
      expect(every).toMatchObject({ every: ['1h'], cron: [], timezone: 'UTC', overlap: 'skip', paused: true });
      expect(every.spec?.timezone).toBeUndefined();

      await expect(
        createSchedule(h.client, {
          scheduleId: everyId,
          spec: exportSpec(ds, '/bucket/x/'),
          every: '1h',
          taskQueue: h.taskQueue,
        }),
      ).rejects.toBeInstanceOf(ScheduleAlreadyRunning);

      // Visibility is eventually consistent: poll.
      const listed = await eventually(async () => {
        const entries = await listSchedules(h.client, { datasetId: ds });
        const ids = entries.map((e) => e.scheduleId);
        return ids.includes(cronId) && ids.includes(everyId) ? entries : undefined;
      });
      expect(listed.find((e) => e.scheduleId === cronId)).toMatchObject({
        cron: ['30 2 * * 1-5'],
        timezone: 'Europe/Berlin',
        datasetId: ds,
      });
      expect(listed.find((e) => e.scheduleId === everyId)).toMatchObject({ every: ['1h'], paused: true });

      await pauseSchedule(h.client, cronId, 'bucket migration');
      expect(await describeSchedule(h.client, cronId)).toMatchObject({ paused: true, note: 'bucket migration' });
      await unpauseSchedule(h.client, cronId);
      expect((await describeSchedule(h.client, cronId)).paused).toBe(false);

      await updateSchedule(h.client, everyId, { every: '2h', overlap: 'allow-all', timezone: 'Asia/Tokyo' });
      expect(await describeSchedule(h.client, everyId)).toMatchObject({
        every: ['2h'],
        cron: [],
        overlap: 'allow-all',
        timezone: 'Asia/Tokyo',
        paused: true,
        spec: { timezone: 'Asia/Tokyo', steps: [{ request: { path: '/bucket/lib-every/{datetime}/' } }] },
      });

      await deleteSchedule(h.client, cronId);
      await expect(describeSchedule(h.client, cronId)).rejects.toBeInstanceOf(ScheduleNotFoundError);
      await expect(pauseSchedule(h.client, cronId)).rejects.toBeInstanceOf(ScheduleNotFoundError);
    },
    TIMEOUT,
  );

  it(
    "trigger starts a run (also when paused) that exports into the scheduled time's folder",
    async () => {
      const ds = dataset('sched-trigger');
      const id = scheduleId('trigger');
      await createSchedule(h.client, {
        scheduleId: id,
        spec: exportSpec(ds, '/bucket/trigger/{date}/{time}/'),
        every: '1h',
        paused: true,
        taskQueue: h.taskQueue,
      });
      const workflowId = await triggerSchedule(h.client, id);
      if (!workflowId) throw new Error('trigger started no run');
      expect((await describeSchedule(h.client, id)).recentRuns.map((r) => r.workflowId)).toEqual([workflowId]);
      expect(workflowId).toMatch(new RegExp(`^${id}-workflow-\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`));

      const result = expectSucceeded(await awaitRun(h.client, workflowId));
      const at = await scheduledTimeOf(h.client, workflowId);
      const v = placeholderValues(at);
      expect(result.steps[0]!.outputPath).toMatch(new RegExp(`^/bucket/trigger/${v.date}/${v.time}/.+/$`));
      const description = await h.client.workflow.getHandle(workflowId).describe();
      expect(description.typedSearchAttributes.get(DatasetIdKey)).toBe(ds);
      expect(description.searchAttributes.TemporalScheduledById).toEqual([id]);
      expect(h.sim.counters().byDataset[ds]?.exportCreates).toBe(1);
    },
    TIMEOUT,
  );

  it(
    'backfill starts one run per missed slot, each writing to its own folder',
    async () => {
      const ds = dataset('sched-backfill');
      const id = scheduleId('backfill');
      // Paused, so the clock adds no runs of its own while the test runs.
      await createSchedule(h.client, {
        scheduleId: id,
        spec: exportSpec(ds, '/bucket/backfill/{datetime}/'),
        every: '1m',
        paused: true,
        taskQueue: h.taskQueue,
      });
      // Three slots, on whole minutes, well in the past; the window's ends are between slots.
      const minute = 60_000;
      const from = new Date(Math.floor(Date.now() / minute) * minute - 10 * minute + 30_000);
      const to = new Date(from.getTime() + 3 * minute);
      const slots = [1, 2, 3].map((i) => new Date(from.getTime() - 30_000 + i * minute).toISOString());
      await backfillSchedule(h.client, id, { from, to });

      const runs = await eventually(async () => {
        const found: string[] = [];
        for await (const info of h.client.workflow.list({ query: scheduledRunsQuery(id) })) found.push(info.workflowId);
        return found.length >= slots.length ? found : undefined;
      });
      expect(runs).toHaveLength(3);
      const outputs = await Promise.all(
        runs.map(async (workflowId) => {
          const result = expectSucceeded(await awaitRun(h.client, workflowId));
          const at = await scheduledTimeOf(h.client, workflowId);
          const folder = `/bucket/backfill/${placeholderValues(at).datetime}/`;
          expect(result.steps[0]!.outputPath?.startsWith(folder)).toBe(true);
          return { at: at.toISOString(), folder };
        }),
      );
      expect(outputs.map((o) => o.at).sort()).toEqual(slots);
      expect(new Set(outputs.map((o) => o.folder)).size).toBe(3);
      expect(h.sim.counters().byDataset[ds]?.exportCreates).toBe(3);
      expect((await describeSchedule(h.client, id)).actionsTaken).toBe(3);
    },
    TIMEOUT,
  );
});

function cli(...args: string[]): Promise<CliResult> {
  return runCli(h.taskQueue, ...args);
}

describe('modelarts-export schedule (built CLI)', () => {
  it(
    'create, describe, list, pause, trigger, unpause, delete',
    async () => {
      const ds = dataset('sched-cli');
      const id = scheduleId('cli');
      const dir = mkdtempSync(path.join(tmpdir(), 'sched-cli-'));
      const specFile = path.join(dir, 'spec.json');
      writeFileSync(specFile, JSON.stringify(exportSpec(ds, '/bucket/cli/{date}/')));

      const create = await cli(
        'schedule',
        'create',
        id,
        '--cron',
        '0 3 * * *',
        '--timezone',
        'Asia/Shanghai',
        '--spec',
        specFile,
        '--note',
        'from the CLI',
      );
      expect(create.stderr).toMatch(
        new RegExp(`Created schedule ${id} \\(cron "0 3 \\* \\* \\*" \\(Asia/Shanghai\\)\\)`),
      );
      expect(create.code).toBe(0);
      expect(create.stdout.trim()).toBe(id);

      const again = await cli('schedule', 'create', id, '--every', '1h', '--spec', specFile);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/a schedule with id .* already exists/);

      const described = await cli('schedule', 'describe', id, '--json');
      expect(described.code).toBe(0);
      const info = JSON.parse(described.stdout);
      expect(info).toMatchObject({
        scheduleId: id,
        paused: false,
        note: 'from the CLI',
        cron: ['0 3 * * *'],
        timezone: 'Asia/Shanghai',
        overlap: 'skip',
        taskQueue: h.taskQueue,
        spec: { timezone: 'Asia/Shanghai', steps: [{ datasetId: ds, request: { path: '/bucket/cli/{date}/' } }] },
      });
      expect(info.nextRunTimes.length).toBeGreaterThan(0);
      // 03:00 in Shanghai (UTC+8) is 19:00 UTC.
      expect(new Date(info.nextRunTimes[0]).getUTCHours()).toBe(19);

      const human = await cli('schedule', 'describe', id);
      expect(human.code).toBe(0);
      expect(human.stdout).toContain(`Schedule ${id}: active (note: from the CLI)`);
      expect(human.stdout).toContain('cron "0 3 * * *" (Asia/Shanghai)');
      expect(human.stdout).toContain('step 1: export to /bucket/cli/{date}/');

      // Each CLI call starts Node and connects (about a second), so state is checked through the library.
      const paused = await cli('schedule', 'pause', id, '--note', 'maintenance', '--json');
      expect(paused.code).toBe(0);
      expect(JSON.parse(paused.stdout)).toEqual({ scheduleId: id, paused: true });
      expect(await describeSchedule(h.client, id)).toMatchObject({ paused: true, note: 'maintenance' });

      const triggered = await cli('schedule', 'trigger', id);
      expect(triggered.code).toBe(0);
      const workflowId = triggered.stdout.trim();
      expect(workflowId).toMatch(new RegExp(`^${id}-workflow-`));
      const result = expectSucceeded(await awaitRun(h.client, workflowId));
      const day = placeholderValues(await scheduledTimeOf(h.client, workflowId), 'Asia/Shanghai').date;
      expect(result.steps[0]!.outputPath).toMatch(new RegExp(`^/bucket/cli/${day}/`));

      const listed = await eventually(async () => {
        const r = await cli('schedule', 'list', '--dataset', ds, '--json');
        expect(r.code).toBe(0);
        return (JSON.parse(r.stdout) as { scheduleId: string }[]).find((e) => e.scheduleId === id);
      });
      expect(listed).toMatchObject({ cron: ['0 3 * * *'], timezone: 'Asia/Shanghai', datasetId: ds });

      const unpaused = await cli('schedule', 'unpause', id, '--json');
      expect(unpaused.code).toBe(0);
      expect(JSON.parse(unpaused.stdout)).toEqual({ scheduleId: id, paused: false });
      expect((await describeSchedule(h.client, id)).paused).toBe(false);

      const deleted = await cli('schedule', 'delete', id, '--json');
      expect(deleted.code).toBe(0);
      expect(deleted.stderr).toMatch(/Deleted schedule/);
      expect(JSON.parse(deleted.stdout)).toEqual({ scheduleId: id, deleted: true });
      const gone = await cli('schedule', 'describe', id);
      expect(gone.code).toBe(2);
      expect(gone.stderr).toMatch(new RegExp(`no schedule with id ${id}`));
    },
    TIMEOUT,
  );

  it(
    'create --dry-run prints the spec create stores, placeholders in the CRON_TZ= zone',
    async () => {
      const ds = dataset('sched-cli-dry');
      const id = scheduleId('cli-dry');
      const create = ['schedule', 'create', id, '--cron', 'CRON_TZ=Asia/Tokyo 0 2 * * *', '--paused'];
      const flags = ['--dataset', ds, '--path', '/bucket/dry/{date}/'];
      const dry = await cli(...create, ...flags, '--dry-run');
      expect(dry.code).toBe(0);
      const created = await cli(...create, ...flags, '--json');
      expect(created.code).toBe(0);
      const stored = JSON.parse(created.stdout).spec;
      expect(stored.timezone).toBe('Asia/Tokyo');
      expect(JSON.parse(dry.stdout).spec).toEqual(stored);
    },
    TIMEOUT,
  );

  it(
    'create from flags (placeholders in --path) and backfill through the CLI',
    async () => {
      const ds = dataset('sched-cli-flags');
      const id = scheduleId('cli-flags');
      const create = await cli(
        'schedule',
        'create',
        id,
        '--every',
        '1m',
        '--paused',
        '--dataset',
        ds,
        '--path',
        '/bucket/flags/{year}/{month}/{day}/{hour}{minute}/',
        '--annotation-format',
        'COCO',
        '--json',
      );
      expect(create.code).toBe(0);
      expect(JSON.parse(create.stdout)).toMatchObject({
        scheduleId: id,
        every: ['1m'],
        paused: true,
        spec: {
          steps: [
            { request: { path: '/bucket/flags/{year}/{month}/{day}/{hour}{minute}/', annotation_format: 'COCO' } },
          ],
        },
      });

      const minute = 60_000;
      const from = new Date(Math.floor(Date.now() / minute) * minute - 30 * minute + 30_000);
      const to = new Date(from.getTime() + 2 * minute);
      const backfill = await cli('schedule', 'backfill', id, '--from', from.toISOString(), '--to', to.toISOString());
      expect(backfill.code).toBe(0);
      expect(backfill.stderr).toMatch(/Backfill of schedule .* requested/);

      const runs = await eventually(async () => {
        const info = await describeSchedule(h.client, id);
        return info.recentRuns.length >= 2 ? info.recentRuns : undefined;
      });
      const folders = await Promise.all(
        runs.map(async (r) => {
          const result = expectSucceeded(await awaitRun(h.client, r.workflowId));
          const v = placeholderValues(r.scheduledAt);
          expect(result.steps[0]!.outputPath).toMatch(
            new RegExp(`^/bucket/flags/${v.year}/${v.month}/${v.day}/${v.hour}${v.minute}/`),
          );
          return result.steps[0]!.outputPath;
        }),
      );
      expect(new Set(folders).size).toBe(2);

      const table = await eventually(async () => {
        const r = await cli('schedule', 'list', '--dataset', ds);
        return r.stdout.includes(id) ? r.stdout : undefined;
      });
      expect(table).toMatch(/^SCHEDULE ID +STATE +WHEN +DATASET +NEXT RUN\n/);
      expect(table).toMatch(new RegExp(`${id} +paused +every 1m +${ds}`));

      expect((await cli('schedule', 'delete', id)).code).toBe(0);
    },
    TIMEOUT,
  );
});

describe('duration prior', () => {
  /** The wait options the run's first step was started with (its input, from its history). */
  async function stepWait(workflowId: string): Promise<StepInput['wait']> {
    const history = await h.client.workflow.getHandle(`${workflowId}.step-1`).fetchHistory();
    const payload = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    return defaultPayloadConverter.fromPayload<StepInput>(payload).wait;
  }

  it(
    "a schedule-started run takes its duration prior from the schedule's previous successful runs",
    async () => {
      const ds = dataset('sched-prior');
      h.sim.setBehavior(ds, { durationMs: 3_000, progress: 'linear', totalSamples: 5 });
      const id = scheduleId('prior');
      await createSchedule(h.client, {
        scheduleId: id,
        spec: exportSpec(ds, '/bucket/prior/{datetime}/'),
        every: '1h',
        paused: true,
        taskQueue: h.taskQueue,
      });

      // The first run has no earlier run to learn from.
      const firstId = await triggerSchedule(h.client, id);
      if (!firstId) throw new Error('trigger started no run');
      const first = expectSucceeded(await awaitRun(h.client, firstId));
      expect((await stepWait(firstId)).expectedDurationMs).toBeUndefined();
      await eventually(async () => {
        for await (const info of h.client.workflow.list({
          query: `${scheduledRunsQuery(id)} AND ExecutionStatus = 'Completed'`,
        }))
          if (info.workflowId === firstId) return true;
        return undefined;
      });

      // The second one starts its step with the first one's step time as its prior.
      const secondId = await triggerSchedule(h.client, id);
      if (!secondId) throw new Error('trigger started no run');
      const second = expectSucceeded(await awaitRun(h.client, secondId));
      const elapsed = first.steps[0]!.elapsedMs;
      expect(await stepWait(secondId)).toMatchObject({ expectedDurationMs: elapsed, shortestDurationMs: elapsed });
      // It skipped the read at creation and aimed its first read near the expected finish: no more reads.
      expect(second.steps[0]!.statusReads).toBeLessThanOrEqual(first.steps[0]!.statusReads);

      // A run given a prior in its spec keeps it: the schedule's history is not asked.
      await updateSchedule(h.client, id, {
        spec: { ...exportSpec(ds, '/bucket/prior/{datetime}/'), wait: { ...wait, expectedDuration: 2_500 } },
      });
      const thirdId = await triggerSchedule(h.client, id);
      if (!thirdId) throw new Error('trigger started no run');
      expectSucceeded(await awaitRun(h.client, thirdId));
      expect((await stepWait(thirdId)).expectedDurationMs).toBe(2_500);
    },
    TIMEOUT,
  );
});
