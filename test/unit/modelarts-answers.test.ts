/**
 * The answer schemas (src/modelarts/answers.ts): the docs' examples and the service's quirks pass, a missing or
 * mistyped field the product reads is an error naming the call and the field, and no body whatever makes a
 * TypeError. Also the bounds: free text cut, Retry-After capped in the client and in the polling policy.
 */
import { ANSWERS, checkAnswer, type AnswerSchema } from '../../src/modelarts/answers.js';
import { MAX_FREE_TEXT_CHARS, MAX_RETRY_AFTER_MS } from '../../src/modelarts/bounded.js';
import {
  classifyError,
  ModelArtsApiError,
  ModelArtsMalformedAnswerError,
  parseErrorBody,
  parseRetryAfter,
} from '../../src/modelarts/errors.js';
import { DEFAULT_POLICY, initialPollState, longestDelayMs, nextDelay, withDefaults } from '../../src/polling/policy.js';

const PATH = '/v2/p1/datasets/ds1/export-tasks/t1';
const call = { method: 'GET', path: PATH, httpStatus: 200 };
const check = <T>(schema: AnswerSchema<T>, body: unknown) => checkAnswer(schema, body, call);

/** The error a check throws (fails the test when it throws none, or another kind). */
function malformed(schema: AnswerSchema<unknown>, body: unknown): ModelArtsMalformedAnswerError {
  try {
    check(schema, body);
  } catch (err) {
    if (err instanceof ModelArtsMalformedAnswerError) return err;
    throw err;
  }
  throw new Error(`accepted ${JSON.stringify(body)}`);
}

// The docs' examples (reference/modelarts-api.md §5–7).
const EXPORT_RUNNING = {
  task_id: 'TZMuy7OKbClkGCAc3gb',
  path: '/test-obs/daoChu/',
  export_type: 3,
  version_format: 'Default',
  export_format: 2,
  export_params: {
    sample_state: '',
    export_dest: 'DIR',
    clear_hard_property: true,
    train_sample_ratio: 1.0,
    ratio_sample_usage: false,
  },
  status: 'RUNNING',
  progress: 0.0,
  create_time: 1606103424662,
  update_time: 1606103494124,
};
const EXPORT_DONE = {
  ...EXPORT_RUNNING,
  task_id: 'rF9NNoB56k5rtYKg2Y7',
  status: 'SUCCESSED',
  progress: 100.0,
  total_sample_count: 20,
  finished_sample_count: 20,
  export_params: { ...EXPORT_RUNNING.export_params, export_dest: 'NEW_DATASET', clear_difficult: false },
};
const INTELLIGENT = {
  resource_id: 'XGrRZuCV1qmMxnsmD5u',
  create_time: '2020-11-23 11:08:20',
  progress: 10.0,
  status: 1,
  message: 'Start to export annotations. Export task id is jMZGm2SBp4Ymr2wrhAK',
  code: 'ModelArts.4902',
  elapsed_time: 0,
  result: { total_sample_count: 49, annotated_sample_count: 30 },
  export_type: 0,
  config: { ambiguity: false, worker_server_num: 0, collect_sample: false, algorithm_type: 'fast' },
};
const IMPORT = {
  status: 'COMPLETED',
  task_id: 'gfghHSokody6AJigS5A_m1dYqOw8vWCAznw1V28',
  dataset_id: 'gfghHSokody6AJigS5A',
  import_path: 'obs://bucket/dir/',
  import_type: 0,
  total_sample_count: 10,
  imported_sample_count: 10,
  annotated_sample_count: 5,
  update_ms: 1606103424662,
  create_time: 1606103420000,
  elapsed_time: 4,
};
const VERSION = {
  version_id: 'sntOdOuB0D9C6fC4TXs',
  version_name: 'V002',
  status: 1,
  manifest_path: '/bucket/annotation/V002/V002.manifest',
  create_time: 1606103424662,
  total_sample_count: 10,
  annotated_sample_count: 5,
  is_current: true,
};
const DATASET = { dataset_id: 'XGrRZuCV1qmMxnsmD5u', dataset_name: 'animals', status: 1, dataset_type: 0 };

describe('documented answers pass', () => {
  it('export tasks, their list, and the create answer (SUCCESSED, undocumented fields)', () => {
    expect(check(ANSWERS.exportTask, EXPORT_RUNNING)).toMatchObject({ status: 'RUNNING', progress: 0 });
    expect(
      check(ANSWERS.exportTaskList, { total_count: 2, export_tasks: [EXPORT_DONE, EXPORT_RUNNING] }),
    ).toMatchObject({
      total_count: 2,
      export_tasks: [{ status: 'SUCCESSED', finished_sample_count: 20 }, { status: 'RUNNING' }],
    });
    expect(check(ANSWERS.createTask, { task_id: 'rF9NNoB56k5rtYKg2Y7' })).toEqual({ task_id: 'rF9NNoB56k5rtYKg2Y7' });
  });

  it('intelligent tasks (string create_time, int status, no task_id in the example) and their list', () => {
    expect(check(ANSWERS.intelligentTask, INTELLIGENT)).toMatchObject({
      status: 1,
      create_time: '2020-11-23 11:08:20',
    });
    const item = { ...INTELLIGENT, task_id: 'r0jT2zwxBDKf8KEnSuZ', dataset_id: 'ds', type: 0 };
    expect(check(ANSWERS.taskList, { tasks: [item], total_count: 1, exist_running_deploy_task: false })).toMatchObject({
      tasks: [{ task_id: 'r0jT2zwxBDKf8KEnSuZ' }],
    });
  });

  it('datasets, versions, import tasks, their lists, and the version create answer', () => {
    expect(check(ANSWERS.dataset, DATASET)).toMatchObject(DATASET);
    expect(check(ANSWERS.datasetList, { total_number: 1, datasets: [DATASET] }).datasets).toHaveLength(1);
    expect(check(ANSWERS.version, VERSION)).toMatchObject({ status: 1 });
    expect(check(ANSWERS.versionList, { total_number: 1, versions: [VERSION] }).versions).toHaveLength(1);
    expect(check(ANSWERS.importTask, IMPORT)).toMatchObject({ status: 'COMPLETED' });
    expect(check(ANSWERS.importTaskList, { import_tasks: [IMPORT], total_count: 1 }).import_tasks).toHaveLength(1);
    expect(check(ANSWERS.createVersion, { version_id: 'sntOdOuB0D9C6fC4TXs' })).toEqual({
      version_id: 'sntOdOuB0D9C6fC4TXs',
    });
    // An import task that does not exist is a 200 with NOT_EXIST and little else.
    expect(check(ANSWERS.importTask, { status: 'NOT_EXIST', task_id: 't', dataset_id: 'd' }).status).toBe('NOT_EXIST');
  });

  it('accepts the quirks of a Java service: nulls as absent, times as strings, statuses as strings of ints', () => {
    const task = check(ANSWERS.exportTask, {
      ...EXPORT_RUNNING,
      create_time: '1606103424662',
      update_time: '2020-11-23 11:08:20',
      total_sample_count: null,
      error_code: null,
      a_field_added_later: { nested: [1, 2] },
    });
    expect(task.create_time).toBe(1606103424662);
    expect(task.update_time).toBe(Date.parse('2020-11-23T11:08:20Z'));
    expect(task.total_sample_count).toBeUndefined();
    expect((task as unknown as Record<string, unknown>).a_field_added_later).toEqual({ nested: [1, 2] });
    expect(check(ANSWERS.intelligentTask, { ...INTELLIGENT, status: '3', create_time: 1606103424662 })).toMatchObject({
      status: 3,
      create_time: 1606103424662,
    });
    // Statuses no document lists are the polling layer's to judge, not a malformed answer.
    expect(check(ANSWERS.exportTask, { ...EXPORT_RUNNING, status: 'PAUSED' }).status).toBe('PAUSED');
    expect(check(ANSWERS.intelligentTask, { ...INTELLIGENT, status: 9 }).status).toBe(9);
    // Progress a hair outside 0..100 is clamped.
    expect(check(ANSWERS.exportTask, { ...EXPORT_RUNNING, progress: 100.0000001 }).progress).toBe(100);
  });
});

describe('malformed answers are errors naming the call and the field', () => {
  it('says which field, what was expected and what came', () => {
    const err = malformed(ANSWERS.exportTask, { ...EXPORT_RUNNING, progress: 'abc' });
    expect(err.message).toBe(
      `ModelArts GET ${PATH} answered a malformed body: progress: expected number, got string "abc"`,
    );
    expect(classifyError(err)).toMatchObject({ retryable: true, malformed: true, mayHaveSucceeded: false });
    expect(malformed(ANSWERS.exportTask, { ...EXPORT_RUNNING, status: undefined }).message).toContain(
      'status: missing (expected string)',
    );
    expect(malformed(ANSWERS.exportTask, { ...EXPORT_RUNNING, create_time: 'yesterday' }).message).toContain(
      'create_time: expected epoch milliseconds or a date, got string "yesterday"',
    );
    expect(malformed(ANSWERS.intelligentTask, { ...INTELLIGENT, status: 'running' }).message).toContain(
      'status: expected an integer, got string "running"',
    );
  });

  it('truncates the value it quotes', () => {
    const err = malformed(ANSWERS.exportTask, { ...EXPORT_RUNNING, progress: 'y'.repeat(100_000) });
    expect(err.message.length).toBeLessThan(200);
    expect(err.message).toContain('progress: expected number, got string "yyyy');
  });

  it('names the item of a list, and a list that is not an array', () => {
    const list = { total_count: 2, export_tasks: [EXPORT_DONE, { ...EXPORT_RUNNING, status: 3 }] };
    expect(malformed(ANSWERS.exportTaskList, list).message).toContain(
      'export_tasks.1.status: expected string, got number 3',
    );
    for (const notArray of [{}, null, 'x', 5]) {
      expect(malformed(ANSWERS.exportTaskList, { total_count: 1, export_tasks: notArray }).message).toContain(
        'export_tasks: ',
      );
    }
    expect(malformed(ANSWERS.taskList, { tasks: [], total_count: '1' }).message).toContain(
      'total_count: expected number, got string "1"',
    );
  });

  it('rejects non-finite numbers (1e400 parses as Infinity)', () => {
    const body = JSON.parse(JSON.stringify(EXPORT_RUNNING).replace('"progress":0', '"progress":1e400')) as unknown;
    expect(malformed(ANSWERS.exportTask, body).message).toContain('progress: expected number, got number Infinity');
    expect(malformed(ANSWERS.exportTask, { ...EXPORT_DONE, total_sample_count: -Infinity }).message).toContain(
      'total_sample_count',
    );
  });

  it('never throws a TypeError, whatever the body, for every answer', () => {
    const bodies: unknown[] = [{}, null, 'x', [], undefined, 0, true, [{}], { task_id: {} }, { status: [] }];
    for (const [name, schema] of Object.entries(ANSWERS)) {
      for (const body of bodies) {
        const err = malformed(schema as AnswerSchema<unknown>, body);
        expect(err.message).toMatch(new RegExp(`^ModelArts GET ${PATH} answered a malformed body: \\S`));
        expect([name, err.message]).not.toContainEqual(expect.stringContaining('Cannot read'));
      }
    }
    expect(malformed(ANSWERS.exportTask, undefined).message).toContain('got an empty body');
    expect(malformed(ANSWERS.exportTask, null).message).toContain('body: expected object, got null');
    expect(malformed(ANSWERS.exportTask, []).message).toContain('body: expected object, got array');
  });

  it('names at most three problems and counts the rest', () => {
    const err = malformed(ANSWERS.exportTask, { progress: 'a', total_sample_count: 'b', path: 5 });
    expect(err.message).toMatch(/; and \d+ more$/);
  });
});

describe('bounded free text and Retry-After', () => {
  it('cuts a long error_msg (status answers, error answers) and keeps the error_code', () => {
    const failed = check(ANSWERS.exportTask, {
      ...EXPORT_RUNNING,
      status: 'FAILED',
      error_code: 'ModelArts.4401',
      error_msg: 'e'.repeat(3_000_000),
    });
    expect(failed.error_code).toBe('ModelArts.4401');
    expect(failed.error_msg!.length).toBeLessThan(MAX_FREE_TEXT_CHARS + 100);
    expect(failed.error_msg).toContain('[truncated: 3000000 characters in all]');

    const body = JSON.stringify({ error_code: 'ModelArts.4352', error_msg: 'z'.repeat(3_000_000) });
    const parsed = parseErrorBody(body);
    expect(parsed.errorCode).toBe('ModelArts.4352');
    expect(parsed.errorMsg!.length).toBeLessThan(MAX_FREE_TEXT_CHARS + 100);
    const err = new ModelArtsApiError({ httpStatus: 400, ...parsed, method: 'GET', path: PATH });
    expect(err.message.length).toBeLessThan(MAX_FREE_TEXT_CHARS + 300);
    expect(err.errorCode).toBe('ModelArts.4352');
  });

  it('caps Retry-After at an hour in the client', () => {
    expect(parseRetryAfter('99999999')).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('Fri, 01 Jan 2100 00:00:00 GMT', Date.parse('2024-01-01T00:00:00Z'))).toBe(
      MAX_RETRY_AFTER_MS,
    );
    expect(parseRetryAfter('120')).toBe(120_000);
  });

  it("caps a Retry-After the workflow honours at the policy's longest delay", () => {
    const fail = (policy = DEFAULT_POLICY) =>
      nextDelay(initialPollState(), { transient: true, retryAfterMs: 99_999_999_000 }, policy, () => 0.5);
    expect(fail().delayMs).toBe(longestDelayMs(DEFAULT_POLICY));
    const short = withDefaults({ maxDelayMs: 10_000, maxEtaDelayMs: 20_000 });
    expect(fail(short)).toMatchObject({ delayMs: 60_000, reason: 'retry-after' });
  });
});
