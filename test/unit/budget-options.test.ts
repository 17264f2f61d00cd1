/** Validation of everything that sets the request budget: worker configuration, the CLI, and the run spec. */
import { DEFAULT_BUDGET, workerConfigFromEnv } from '../../src/config.js';
import { priorityOf, stepBudget } from '../../src/budget/classes.js';
import { parsePipelineSpec, SpecError } from '../../src/spec/pipeline.js';
import { scheduledSpec } from '../../src/client/schedules.js';
import { ACTIVITY_BUDGET } from '../../src/contract/activity-options.js';
import { rejected } from '../support/cli-in-process.js';
import { configProblems, MODELARTS_ENV } from '../support/worker-config.js';

describe('worker budget defaults', () => {
  it('starts from a safe default budget', () => {
    expect(workerConfigFromEnv(MODELARTS_ENV).tuning.budget).toEqual(DEFAULT_BUDGET);
  });

  it('reads requests per second, or unlimited', () => {
    const config = workerConfigFromEnv({
      ...MODELARTS_ENV,
      MODELARTS_BUDGET_READS_RPS: '2.5',
      MODELARTS_BUDGET_WRITES_RPS: 'unlimited',
    });
    expect(config.tuning.budget).toEqual({ readsPerSecond: 2.5, writesPerSecond: undefined });
  });

  it.each([['0'], ['-1'], ['fast'], ['Infinity']])('rejects %s, naming the variable', (value) => {
    expect(configProblems({ ...MODELARTS_ENV, MODELARTS_BUDGET_READS_RPS: value })).toEqual([
      `MODELARTS_BUDGET_READS_RPS must be a number of requests per second greater than 0, or "unlimited"; got "${value}"`,
    ]);
  });
});

describe('run spec: tenant and origin', () => {
  const steps = [{ kind: 'export', datasetId: 'ds1', request: { path: '/bucket/out/' } }];

  it('keeps a valid tenant and origin', () => {
    const spec = parsePipelineSpec({ steps, tenant: 'proj-1/team.a', origin: 'interactive' });
    expect(spec).toMatchObject({ tenant: 'proj-1/team.a', origin: 'interactive' });
    expect(priorityOf(stepBudget(spec))).toEqual({ priorityKey: 2, fairnessKey: 'proj-1/team.a' });
  });

  it('gives runs without them the default tenant and priority', () => {
    expect(priorityOf(stepBudget(parsePipelineSpec({ steps })))).toEqual({ priorityKey: 3, fairnessKey: 'default' });
  });

  it.each([
    [{ tenant: '' }, 'tenant'],
    [{ tenant: 'x'.repeat(65) }, 'tenant'],
    [{ tenant: 'a b' }, 'tenant'],
    [{ origin: 'cron' }, 'origin'],
  ])('rejects %j naming the field', (extra, field) => {
    try {
      parsePipelineSpec({ steps, ...extra });
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(SpecError);
      expect((err as SpecError).issues.map((i) => i.field)).toContain(field);
    }
  });

  it('marks scheduled runs as such (a Schedule cannot carry a priority in TS 1.24)', () => {
    expect(scheduledSpec({ scheduleId: 's', spec: { steps }, cron: '0 2 * * *' }).origin).toBe('schedule');
    expect(scheduledSpec({ scheduleId: 's', spec: { steps, origin: 'interactive' }, cron: '0 2 * * *' }).origin).toBe(
      'interactive',
    );
  });
});

describe('activity budget classes', () => {
  it('puts every ModelArts call on a budgeted queue', () => {
    expect(ACTIVITY_BUDGET.readStatus).toBe('reads');
    expect(Object.values(ACTIVITY_BUDGET).every((c) => c === 'reads' || c === 'writes')).toBe(true);
  });
});

describe('budget CLI', () => {
  it.each([
    [['budget', 'set', '--rps', 'fast'], /--rps.*must be requests per second/],
    [['budget', 'set', '--rps', '-2'], /must be requests per second/],
    [['budget', 'set', '--class', 'creates', '--rps', '1'], /--class.*Allowed choices are reads, writes, all/],
    [['budget', 'set', '--tenant', 'a b', '--rps', '1'], /--tenant.*must be 1-64 letters/],
    [['budget', 'set', '--tenant', 't', '--tenant-default', '--rps', '1'], /cannot be used with/],
    [['budget', 'set', '--rps', '1', '--unset'], /cannot be used with/],
    [['budget', 'set'], /give --rps N or --unset/],
    [['budget', 'pause', '--class', 'x'], /Allowed choices/],
    [['simulator', '--api-limit-rps', '0'], /must be a number of requests greater than 0/],
  ])('rejects %j before contacting Temporal', async (argv, message) => {
    expect(await rejected(...argv)).toMatch(message);
  });
});
