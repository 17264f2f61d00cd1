/**
 * Schedule settings checked before anything is created: cron expressions (the server's grammar), intervals, time
 * zones, overlap; the library's ScheduleOptionsError and the CLI's exit 2, both without contacting Temporal.
 */
import { Client, Connection, type ScheduleOptions } from '@temporalio/client';
import { calendarToCron, formatInterval } from '../../src/client/schedule-describe.js';
import {
  backfillSchedule,
  createSchedule,
  scheduledSpec,
  ScheduleOptionsError,
  updateSchedule,
} from '../../src/client/schedules.js';
import { SpecError } from '../../src/spec/pipeline.js';
import { cronProblem, parseInterval, timeZoneProblem } from '../../src/spec/schedule.js';
import { cli, rejected } from '../support/cli-in-process.js';

describe('cron expressions', () => {
  it.each([
    '0 2 * * *',
    '*/15 * * * *',
    '0 2 * * MON-FRI',
    '0 2 * * mon,wed,fri',
    '0 0 1 jan,jul *',
    '30 2 1-15/2 * 0-6',
    '0 0 * * 7',
    '0 12 * * * 2030',
    '15 0 12 * * * 2030',
    '@daily',
    '@hourly',
    '@every 90m',
    '@every 1h/15m',
    'CRON_TZ=Europe/Berlin 0 2 * * *',
    '0 2 * * * # nightly',
  ])('accepts %s', (expression) => {
    expect(cronProblem(expression)).toBeUndefined();
  });

  it.each([
    ['', 'is empty'],
    ['0 2 * *', 'must have 5 fields'],
    ['0 25 * * *', 'hour "25": 25 is out of range 0-23'],
    ['60 * * * *', 'minute "60": 60 is out of range 0-59'],
    ['0 0 0 * *', 'day of month "0": 0 is out of range 1-31'],
    ['0 0 * 13 *', 'month "13": 13 is out of range 1-12'],
    ['0 0 * * 8', 'day of week "8": 8 is out of range 0-7'],
    ['0 0 * * FOO', 'day of week "FOO": "FOO" is not a number or name'],
    ['*/0 * * * *', 'the step after "/" must be a whole number >= 1'],
    ['5-2 * * * *', 'minute "5-2": 2 is out of range 5-59'],
    ['0 0 L * *', 'day of month "L": "L" is not a number'],
    ['@fortnightly', 'unknown shorthand'],
    ['@every soon', '"@every" needs a duration'],
    ['CRON_TZ=Mars/Base 0 2 * * *', 'time zone prefix: must be an IANA time zone'],
  ])('rejects %j: %s', (expression, problem) => {
    expect(cronProblem(expression)).toContain(problem);
  });
});

describe('intervals and time zones', () => {
  it('takes durations of at least a second, with a unit', () => {
    expect(parseInterval('15m')).toBe(900_000);
    expect(parseInterval('1h')).toBe(3_600_000);
    expect(parseInterval('2d')).toBe(172_800_000);
    expect(parseInterval('1s')).toBe(1000);
    expect(parseInterval('500ms')).toBeUndefined();
    expect(parseInterval('60000')).toBeUndefined();
    expect(parseInterval('soon')).toBeUndefined();
  });

  it('knows IANA zones', () => {
    expect(timeZoneProblem('UTC')).toBeUndefined();
    expect(timeZoneProblem('Europe/Berlin')).toBeUndefined();
    expect(timeZoneProblem('Mars/Base')).toMatch(/must be an IANA time zone.*got "Mars\/Base"/);
  });
});

describe('describe output helpers', () => {
  const full = <T>(start: T, end: T) => [{ start, end, step: 1 }];
  it('writes a stored calendar back as cron', () => {
    expect(
      calendarToCron({
        second: full(0, 0),
        minute: full(0, 0),
        hour: full(2, 2),
        dayOfMonth: full(1, 31),
        month: full('JANUARY', 'DECEMBER'),
        year: [],
        dayOfWeek: full('MONDAY', 'FRIDAY'),
        comment: 'nightly',
      }),
    ).toBe('0 2 * * 1-5 # nightly');
    expect(
      calendarToCron({
        second: full(0, 0),
        minute: [{ start: 0, end: 59, step: 15 }],
        hour: full(0, 23),
        dayOfMonth: full(1, 31),
        month: [{ start: 'MARCH', end: 'MARCH', step: 1 }],
        year: full(2030, 2030),
        dayOfWeek: full('SUNDAY', 'SATURDAY'),
      }),
    ).toBe('*/15 * * 3 * 2030');
  });

  it('formats intervals in the largest whole unit', () => {
    expect(formatInterval(60_000)).toBe('1m');
    expect(formatInterval(5_400_000)).toBe('90m');
    expect(formatInterval(86_400_000)).toBe('1d');
    expect(formatInterval(1500)).toBe('1500ms');
  });
});

describe('library: rejected before anything is created', () => {
  // A lazy connection to nowhere: any call to the server would fail with a connection error, not a SpecError.
  const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const spec = { steps: [{ kind: 'export', datasetId: 'ds1', request: { path: '/bucket/{date}/' } }] };

  async function problems(promise: Promise<unknown>): Promise<string[]> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ScheduleOptionsError);
    expect(err).toBeInstanceOf(SpecError);
    return (err as ScheduleOptionsError).issues.map((i) => i.message);
  }

  it('names each bad field: cron, every, timezone, overlap, catchupWindow, spec', async () => {
    expect(
      await problems(
        createSchedule(client, {
          scheduleId: 'x',
          taskQueue: 'q',
          spec,
          cron: ['0 2 * * *', '0 25 * * *'],
          timezone: 'Mars/Base',
          overlap: 'sometimes' as never,
          catchupWindow: 'later',
        }),
      ),
    ).toEqual([
      'cron[1]: hour "25": 25 is out of range 0-23; got "0 25 * * *"',
      'timezone: must be an IANA time zone such as "UTC" or "Europe/Berlin"; got "Mars/Base"',
      'overlap: must be one of skip, buffer-one, buffer-all, cancel-other, terminate-other, allow-all; got "sometimes"',
      'catchupWindow: must be a duration of at least 10s such as "10m", "6h" or "2d"; got "later"',
    ]);
    expect(await problems(createSchedule(client, { scheduleId: 'x', taskQueue: 'q', spec, every: '1 hour' }))).toEqual([
      'every: must be a duration of at least 1s such as "30s", "15m", "1h" or "2d"; got "1 hour"',
    ]);
    expect(await problems(createSchedule(client, { scheduleId: 'x', taskQueue: 'q', spec }))).toEqual([
      'cron: a schedule needs cron expressions or an interval (every)',
    ]);
    expect(
      await problems(
        createSchedule(client, {
          scheduleId: 'has space',
          taskQueue: 'q',
          every: '1h',
          spec: { steps: [{ kind: 'export', datasetId: 'ds1', request: { path: '/bucket/{week}/' } }] },
        }),
      ),
    ).toEqual([
      expect.stringMatching(/^scheduleId: must be 1-200 characters/),
      expect.stringMatching(/^spec\.steps\[0\]\.request\.path: unknown placeholder \{week\}; allowed: \{date\}/),
    ]);
    expect(
      await problems(
        createSchedule(client, {
          scheduleId: 'x',
          taskQueue: 'q',
          spec,
          cron: 'CRON_TZ=Asia/Tokyo 0 2 * * *',
          timezone: 'Europe/Berlin',
        }),
      ),
    ).toEqual(['cron[0]: its time zone Asia/Tokyo conflicts with timezone Europe/Berlin; give one of them']);
    expect(await problems(updateSchedule(client, 'x', { every: '0s' }))).toEqual([
      expect.stringMatching(/^every: must be a duration/),
    ]);
    expect(await problems(backfillSchedule(client, 'x', { from: '2024-05-02T00:00:00Z', to: 'yesterday' }))).toEqual([
      'to: must be a time such as "2024-05-01T00:00:00Z"; got "yesterday"',
    ]);
    expect(
      await problems(backfillSchedule(client, 'x', { from: '2024-05-02T00:00:00Z', to: '2024-05-01T00:00:00Z' })),
    ).toEqual(['to: must be after from (2024-05-02T00:00:00.000Z)']);
  });
});

describe('library: the spec a schedule stores', () => {
  const spec = { steps: [{ kind: 'export', datasetId: 'ds1', request: { path: '/bucket/{date}/' } }] };

  it.each([
    [{ cron: 'CRON_TZ=Asia/Tokyo 0 2 * * *' }, 'Asia/Tokyo'],
    [{ cron: '0 2 * * *', timezone: 'Europe/Berlin' }, 'Europe/Berlin'],
    [{ every: '1h' }, undefined],
  ])('createSchedule stores what scheduledSpec returns (%j: placeholders in %s)', async (timing, zone) => {
    let stored: ScheduleOptions | undefined;
    const recording = { schedule: { create: async (o: ScheduleOptions) => void (stored = o) } } as unknown as Client;
    const draft = { scheduleId: 'x', spec, ...timing };
    await createSchedule(recording, { ...draft, taskQueue: 'q' });
    expect(stored?.action.args).toEqual([scheduledSpec(draft)]);
    expect(scheduledSpec(draft).timezone).toBe(zone);
  });

  it('keeps a time zone the spec names itself', () => {
    const draft = { scheduleId: 'x', spec: { ...spec, timezone: 'UTC' }, cron: 'TZ=Asia/Tokyo @daily' };
    expect(scheduledSpec(draft).timezone).toBe('UTC');
  });
});

describe('CLI: schedule flags', () => {
  const base = ['schedule', 'create', 'nightly', '--dataset', 'ds1', '--path', '/bucket/{date}/'];

  it('create --dry-run prints the validated schedule and spec (placeholders kept, time zone carried)', async () => {
    const r = await cli(
      ...base,
      '--cron',
      '0 2 * * *',
      '--timezone',
      'Europe/Berlin',
      '--overlap',
      'BUFFER_ONE',
      '--dry-run',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      scheduleId: 'nightly',
      cron: ['0 2 * * *'],
      timezone: 'Europe/Berlin',
      overlap: 'buffer-one',
      spec: {
        steps: [{ kind: 'export', datasetId: 'ds1', request: { path: '/bucket/{date}/' } }],
        wait: { policy: {} },
        timezone: 'Europe/Berlin',
        // A schedule's start action cannot carry a priority (TS 1.24): its runs carry their origin instead.
        origin: 'schedule',
      },
    });
  });

  it("create --dry-run takes the placeholders' time zone from a CRON_TZ= prefix, as create does", async () => {
    const cron = 'CRON_TZ=Asia/Tokyo 0 2 * * *';
    const r = await cli(...base, '--cron', cron, '--dry-run');
    expect(r.stderr).toBe('');
    const printed = JSON.parse(r.stdout);
    expect(printed.spec.timezone).toBe('Asia/Tokyo');
    const flagSpec = { steps: [{ kind: 'export', datasetId: 'ds1', request: { path: '/bucket/{date}/' } }] };
    expect(printed.spec).toEqual(scheduledSpec({ scheduleId: 'nightly', spec: flagSpec, cron }));
  });

  it('create --dry-run rejects what create would reject', async () => {
    expect(
      await rejected(...base, '--cron', 'CRON_TZ=Asia/Tokyo 0 2 * * *', '--timezone', 'Europe/Berlin', '--dry-run'),
    ).toMatch(/cron\[0\]: its time zone Asia\/Tokyo conflicts with timezone Europe\/Berlin/);
  });

  it.each([
    [['--cron', '0 25 * * *'], /--cron <expr>.*hour "25": 25 is out of range 0-23/],
    [['--every', 'often'], /--every <duration>.*must be a duration of at least 1s/],
    [['--every', '1h', '--timezone', 'Mars/Base'], /--timezone <tz>.*IANA time zone/],
    [['--every', '1h', '--overlap', 'sometimes'], /--overlap <policy>.*Allowed: skip, buffer-one/],
    [['--every', '1h', '--catchup-window', '1s'], /--catchup-window <duration>.*at least 10s/],
    [['--every', '1h', '--cron', '@daily'], /cannot be used with option '--every/],
    [[], /needs --cron EXPR or --every DURATION/],
  ])('create %j exits 2 before contacting anything', async (flags, message) => {
    expect(await rejected(...base, ...flags)).toMatch(message);
  });

  it('rejects unknown placeholders and missing dataset/path, naming the flag', async () => {
    expect(
      await rejected('schedule', 'create', 'x', '--every', '1h', '--dataset', 'ds1', '--path', '/bucket/{week}/'),
    ).toMatch(/--path <obs-path>.*Unknown placeholder \{week\}; allowed: \{date\}, \{time\}/);
    expect(
      await rejected(
        ...base,
        '--every',
        '1h',
        '--new-dataset',
        'flowers-{when}',
        '--new-dataset-work-path',
        '/bucket/new/{date}/',
      ),
    ).toMatch(/--new-dataset: unknown placeholder \{when\}/);
    expect(await rejected('schedule', 'create', 'x', '--every', '1h', '--dataset', 'ds1')).toMatch(
      /missing --path[\s\S]*schedule create --help/,
    );
  });

  it('backfill needs --from and --to in order', async () => {
    expect(await rejected('schedule', 'backfill', 'x', '--from', '2024-05-01T00:00:00Z')).toMatch(
      /required option '--to <time>'/,
    );
    expect(await rejected('schedule', 'backfill', 'x', '--from', 'yesterday', '--to', '2024-05-01T00:00:00Z')).toMatch(
      /--from <time>.*ISO 8601/,
    );
    expect(
      await rejected('schedule', 'backfill', 'x', '--from', '2024-05-02T00:00:00Z', '--to', '2024-05-01T00:00:00Z'),
    ).toMatch(/--to must be after --from/);
  });

  it('every schedule command has --help with an example', async () => {
    for (const sub of ['create', 'list', 'describe', 'pause', 'unpause', 'trigger', 'backfill', 'delete']) {
      const r = await cli('schedule', sub, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Examples?:\n {2}\$ modelarts-export schedule /);
    }
    const r = await cli('schedule', '--help');
    expect(r.stdout).toMatch(/create .*\n[\s\S]*backfill/);
  });
});
