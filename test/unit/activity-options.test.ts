/** The activity options table (src/contract/activity-options.ts): timeouts that nest, retries that end. */
import { ACTIVITY_OPTIONS, START_RETRY_BUDGET_MS, START_TO_CLOSE_MS } from '../../src/contract/activity-options.js';
import { optionsFor } from '../../src/workflows/activities-proxy.js';
import { MAX_TIMEOUT_MS } from '../../src/modelarts/client.js';
import { modelArtsOptionsFromEnv } from '../../src/modelarts/env.js';

const ms = (value: unknown) => Number(value);

describe('activity options', () => {
  it.each(Object.entries(ACTIVITY_OPTIONS))('%s: heartbeat < attempt, HTTP fits the attempt, retries end', (_, o) => {
    expect(ms(o.heartbeatTimeout)).toBeLessThanOrEqual(10_000);
    expect(ms(o.heartbeatTimeout)).toBeLessThan(ms(o.startToCloseTimeout));
    // A token fetch and a call repeated after a 401 (or a list and a POST) at the longest allowed HTTP timeout.
    expect(ms(o.startToCloseTimeout)).toBeGreaterThanOrEqual(4 * MAX_TIMEOUT_MS);
    const bounded = o.scheduleToCloseTimeout !== undefined || o.retry?.maximumAttempts !== undefined;
    expect(bounded).toBe(true);
    expect(o.retry?.nonRetryableErrorTypes).toEqual(['ModelArtsClientError', 'ModelArtsValidationError']);
  });

  it("bounds a create's retries by the step's deadline, never below one attempt, and by an hour without one", () => {
    const now = Date.now();
    expect(ms(optionsFor('createOrReattachExport', { summary: 's' }).scheduleToCloseTimeout)).toBe(
      START_RETRY_BUDGET_MS,
    );
    const soon = ms(
      optionsFor('createOrReattachExport', { summary: 's', deadlineAtMs: now + 20 * 60_000 }).scheduleToCloseTimeout,
    );
    expect(soon).toBeGreaterThan(19 * 60_000);
    expect(soon).toBeLessThanOrEqual(20 * 60_000);
    expect(
      ms(optionsFor('startOrReattachTask', { summary: 's', deadlineAtMs: now - 1000 }).scheduleToCloseTimeout),
    ).toBe(START_TO_CLOSE_MS);
    expect(
      optionsFor('readStatus', { summary: 'GET …', deadlineAtMs: now + 1000 }).scheduleToCloseTimeout,
    ).toBeUndefined();
    expect(optionsFor('readStatus', { summary: 'GET …' }).summary).toBe('GET …');
  });

  it('refuses an HTTP timeout longer than an attempt allows, naming the variable', () => {
    const env = {
      MODELARTS_ENDPOINT: 'https://modelarts.eu-de.otc.t-systems.com',
      MODELARTS_PROJECT_ID: '0123456789abcdef0123456789abcdef',
      MODELARTS_AUTH_TOKEN: 'token',
    };
    expect(() => modelArtsOptionsFromEnv({ ...env, MODELARTS_TIMEOUT_MS: '60000' })).toThrow(
      /MODELARTS_TIMEOUT_MS: must be a whole number of milliseconds from 1 to 30000/,
    );
    expect(() => modelArtsOptionsFromEnv({ ...env, MODELARTS_TIMEOUT_MS: '30000' })).not.toThrow();
  });
});
