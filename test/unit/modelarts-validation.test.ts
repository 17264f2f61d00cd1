import { z } from 'zod';
import { AkSkAuth, IamPasswordAuth, iamBaseUrl } from '../../src/modelarts/auth.js';
import { ConfigError } from '../../src/config-error.js';
import {
  classifyError,
  ModelArtsApiError,
  ModelArtsNetworkError,
  ModelArtsResponseError,
  ModelArtsValidationError,
  parseErrorBody,
  parseRetryAfter,
} from '../../src/modelarts/errors.js';
import { modelArtsOptionsFromEnv, MODELARTS_ENV_TABLE } from '../../src/modelarts/env.js';
import {
  exportFormatName,
  intelligentTaskStatusName,
  SAMPLE_STATE_NAMES,
  toExportFormat,
  toExportType,
  toSampleState,
} from '../../src/modelarts/friendly.js';
import { redactSecrets } from '../../src/modelarts/redact.js';
import { SAMPLE_STATES } from '../../src/modelarts/types.js';
import {
  createExportTaskSchema,
  validateCreateExportTask,
  validateCreateImportTask,
  validateCreateVersion,
  validateId,
  validateListDatasetsQuery,
  validateListExportTasksQuery,
  validateListVersionsQuery,
  validateStartTask,
} from '../../src/modelarts/validation.js';

/** Runs fn, expects a ModelArtsValidationError, returns it. */
function rejection(fn: () => unknown): ModelArtsValidationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ModelArtsValidationError);
    return err as ModelArtsValidationError;
  }
  throw new Error('expected a validation error');
}

function configError(env: Record<string, string>): ConfigError {
  try {
    modelArtsOptionsFromEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('export task validation', () => {
  const ok = { path: '/test-obs/daoChu/' };

  it('accepts the documented examples', () => {
    expect(
      validateCreateExportTask({
        path: '/test-obs/daoChu/',
        export_type: 3,
        export_params: { sample_state: '', export_dest: 'DIR' },
      }),
    ).toEqual({
      path: '/test-obs/daoChu/',
      export_type: 3,
      export_params: { sample_state: '', export_dest: 'DIR' },
    });
    validateCreateExportTask({
      path: '/test-obs/classify/input/',
      export_type: 3,
      export_params: {
        sample_state: '',
        export_dest: 'NEW_DATASET',
        export_new_dataset_name: 'dataset-export-test',
        export_new_dataset_work_path: '/test-obs/classify/output/',
      },
    });
    validateCreateExportTask({
      path: 's3://bucket/',
      export_format: 2,
      annotation_format: 'COCO',
      version_format: 'CSV',
      sample_state: '__ALL__',
    });
    validateCreateExportTask({
      path: 'obs://my.bucket-1/a/b/c/',
      export_params: {
        train_sample_ratio: '0.80',
        search_conditions: [{ sample_dir: '/b/d/', sample_time: '20240101-20240131' }],
      },
    });
  });

  it('requires path and checks it is an OBS path', () => {
    expect(rejection(() => validateCreateExportTask({})).message).toContain('path: is required');
    for (const bad of ['bucket/dir', 'http://bucket/dir/', '/B/dir/', '/test-obs//x/', 'obs://', '']) {
      const err = rejection(() => validateCreateExportTask({ path: bad }));
      expect(err.field).toBe('path');
      expect(err.message).toContain('path: must be an OBS path');
    }
  });

  it('checks the structure of OBS paths (".." folders, control characters, 1,024 bytes), not the character list', () => {
    for (const [bad, problem] of [
      ['/bkt/../etc/', 'must not have "." or ".." as a folder name'],
      ['obs://bkt/a/./b/', 'must not have "." or ".." as a folder name'],
      ['/bkt/a/..', 'must not have "." or ".." as a folder name'],
      ['/bkt/a\nb/', 'must not contain control characters; found U+000A'],
      ['/bkt/a\u0000/', 'must not contain control characters; found U+0000'],
      [`/bkt/${'x'.repeat(1020)}/`, 'is 1026 bytes long; an OBS path is at most 1024 bytes'],
      [`/bkt/${'é'.repeat(510)}/`, 'is 1026 bytes long'],
    ] as const) {
      const err = rejection(() => validateCreateExportTask({ path: bad }));
      expect([err.field, err.message]).toEqual(['path', expect.stringContaining(`path: ${problem}`)]);
      // A long value is echoed cut short.
      expect(err.message.length).toBeLessThan(400);
    }
    const work = rejection(() =>
      validateCreateExportTask({
        path: '/bkt/out/',
        export_params: {
          export_dest: 'NEW_DATASET',
          export_new_dataset_name: 'n',
          export_new_dataset_work_path: '/bkt/../x/',
        },
      }),
    );
    expect(work.field).toBe('export_params.export_new_dataset_work_path');
    expect(rejection(() => validateCreateImportTask({ import_path: 's3://bkt/a/../' })).field).toBe('import_path');
    // The client is also used where a region accepts more characters (pathCharacters: "any"), and with marker
    // folders: dots in names, spaces and other characters are the spec's business.
    for (const ok of ['/bkt/a b/', '/bkt/run.s1.abc/', 'obs://my.bucket/daten-ä/', `/bkt/${'x'.repeat(1018)}/`]) {
      validateCreateExportTask({ path: ok });
    }
    validateCreateImportTask({ import_path: 's3://bkt/a.b/c/' });
  });

  it.each([
    ['export_type', 4, 'export_type: must be one of 0 (labeled), 1 (unlabeled), 2 (all), 3 (conditional); got 4'],
    ['export_format', 3, 'export_format: must be one of 1 (tree), 2 (tile); got 3'],
    ['annotation_format', 'YOLO', 'annotation_format: must be one of VOC, COCO; got "YOLO"'],
    ['version_format', 'Parquet', 'version_format: must be one of Default, CarbonData, CSV; got "Parquet"'],
    ['source_type_header', 'http://', 'source_type_header: must be one of obs://, s3://; got "http://"'],
  ])('rejects a bad %s, naming the field and the allowed values', (field, value, message) => {
    const err = rejection(() => validateCreateExportTask({ ...ok, [field]: value }));
    expect(err.field).toBe(field);
    expect(err.allowed).toBeDefined();
    expect(err.message).toContain(message);
  });

  it('lists every sample state with its friendly name', () => {
    const err = rejection(() => validateCreateExportTask({ ...ok, sample_state: '__LABELED__' }));
    expect(err.field).toBe('sample_state');
    expect(err.allowed).toEqual(['', ...SAMPLE_STATES]);
    expect(err.message).toContain('__ALL__ (labeled)');
    expect(err.message).toContain('__AUTO_ANNOTATION__ (auto-annotation)');
    expect(err.message).toContain('got "__LABELED__"');
  });

  it('checks export_params', () => {
    const dest = rejection(() => validateCreateExportTask({ ...ok, export_params: { export_dest: 'OBS' } }));
    expect(dest.message).toContain('export_params.export_dest: must be one of DIR, NEW_DATASET; got "OBS"');

    const newDataset = rejection(() =>
      validateCreateExportTask({ ...ok, export_params: { export_dest: 'NEW_DATASET' } }),
    );
    expect(newDataset.issues.map((i) => i.field)).toEqual([
      'export_params.export_new_dataset_name',
      'export_params.export_new_dataset_work_path',
    ]);
    expect(newDataset.message).toContain(
      'export_params.export_new_dataset_name: is required when export_dest is NEW_DATASET',
    );

    for (const ratio of ['1.5', '2', 'abc', '0.123', '-0.1']) {
      const err = rejection(() => validateCreateExportTask({ ...ok, export_params: { train_sample_ratio: ratio } }));
      expect(err.message).toContain('export_params.train_sample_ratio: must be a decimal string from "0.00" to "1.00"');
    }
    expect(
      rejection(() => validateCreateExportTask({ ...ok, export_params: { train_sample_ratio: 0.5 } })).message,
    ).toContain('export_params.train_sample_ratio: must be a string; got 0.5');
    for (const ratio of ['0', '0.00', '0.5', '1', '1.0', '1.00'])
      validateCreateExportTask({ ...ok, export_params: { train_sample_ratio: ratio } });

    const state = rejection(() => validateCreateExportTask({ ...ok, export_params: { sample_state: 'labeled' } }));
    expect(state.field).toBe('export_params.sample_state');

    expect(
      rejection(() =>
        validateCreateExportTask({
          ...ok,
          export_params: {
            export_dest: 'NEW_DATASET',
            export_new_dataset_name: 'a b',
            export_new_dataset_work_path: '/bkt/',
          },
        }),
      ).issues.map((i) => i.message),
    ).toEqual([
      'export_params.export_new_dataset_name: must be 1-100 characters: letters, digits, "_" or "-"; got "a b"',
      'export_params.export_new_dataset_work_path: must be an OBS folder below the bucket, such as /bucket/dir/ (not the bucket root); got "/bkt/"',
    ]);
    const op = rejection(() =>
      validateCreateExportTask({
        ...ok,
        export_params: { search_conditions: [{ label_list: { labels: [{ name: 'a' }, { name: 'b' }] } }] },
      }),
    );
    expect(op.message).toContain(
      'export_params.search_conditions[0].label_list.op: op is required when more than one label is given',
    );

    const dir = rejection(() =>
      validateCreateExportTask({ ...ok, export_params: { search_conditions: [{ sample_dir: '/b/x' }] } }),
    );
    expect(dir.message).toContain('export_params.search_conditions[0].sample_dir: must end with "/"');
  });

  it('rejects unknown fields (typos) and lists every problem at once', () => {
    const err = rejection(() => validateCreateExportTask({ path: 'nope', export_fromat: 1, export_type: 9 }));
    expect(err.issues.map((i) => i.field).sort()).toEqual(['export_fromat', 'export_type', 'path']);
    expect(err.message).toContain('export_fromat: unknown field');
  });

  it('produces JSON Schema for reuse', () => {
    const schema = z.toJSONSchema(createExportTaskSchema) as {
      required?: string[];
      properties: Record<string, unknown>;
    };
    expect(schema.required).toEqual(['path']);
    expect(schema.properties.export_format).toEqual({ type: 'number', enum: [1, 2] });
  });
});

describe('other request validation', () => {
  it('task_type is required and enumerated', () => {
    expect(rejection(() => validateStartTask({})).message).toContain('task_type: is required');
    const err = rejection(() => validateStartTask({ task_type: 'auto-labeling' }));
    expect(err.message).toContain(
      'task_type: must be one of auto-label, pre-label, auto-grouping; got "auto-labeling"',
    );
    expect(err.allowed).toEqual(['auto-label', 'pre-label', 'auto-grouping']);
    validateStartTask({ task_type: 'auto-label', collect_key_sample: true, config: { algorithm_type: 'fast' } });
    // The docs' own example sends n_clusters as a string.
    validateStartTask({
      task_type: 'auto-grouping',
      config: { n_clusters: '2', ambiguity: false, property: 'size', result_type: 1 },
    });
    expect(
      rejection(() => validateStartTask({ task_type: 'auto-label', config: { algorithm_type: 'slow' } })).message,
    ).toContain('config.algorithm_type: must be one of fast, accurate; got "slow"');
  });

  it('version_name is 1-32 of [A-Za-z0-9_-]', () => {
    validateCreateVersion({ version_name: 'V001_a-b', version_format: 'Default', train_evaluate_sample_ratio: '0.80' });
    for (const name of ['', 'a'.repeat(33), 'v 1', 'v.1']) {
      expect(rejection(() => validateCreateVersion({ version_name: name })).message).toContain(
        'version_name: must be 1-32 characters',
      );
    }
    expect(rejection(() => validateCreateVersion({ version_format: 'csv' })).message).toContain(
      'version_format: must be one of Default, CarbonData, CSV',
    );
    expect(rejection(() => validateCreateVersion({ description: 'a<b' })).field).toBe('description');
  });

  it('import_path is required; import_type is dir or manifest', () => {
    expect(rejection(() => validateCreateImportTask({})).message).toContain('import_path: is required');
    expect(
      rejection(() => validateCreateImportTask({ import_path: 's3://b/x/', import_type: 'file' })).message,
    ).toContain('import_type: must be one of dir, manifest; got "file"');
    expect(rejection(() => validateCreateImportTask({ import_path: 'bucket/x' })).message).toContain(
      'import_path: must be an OBS path',
    );
    expect(
      rejection(() => validateCreateImportTask({ import_path: 's3://bkt/x/', import_type: 'manifest' })).message,
    ).toContain('must name the manifest file');
    expect(rejection(() => validateCreateImportTask({ import_path: 's3://bkt/x/', import_origin: 'ftp' })).field).toBe(
      'import_origin',
    );
    validateCreateImportTask({ import_path: 's3://test-obs/daoLu_images/animals/', import_type: 'dir' });
    validateCreateImportTask({ import_path: 's3://test-obs/classify/output/V002.manifest', import_type: 'manifest' });
  });

  it('checks list queries and ids', () => {
    expect(rejection(() => validateListExportTasksQuery({ limit: 101 })).message).toContain(
      'limit: must be between 1 and 100',
    );
    expect(rejection(() => validateListExportTasksQuery({ offset: -1 })).message).toContain(
      'offset: must be a page index >= 0',
    );
    expect(rejection(() => validateListExportTasksQuery({ limit: 1.5 })).message).toContain(
      'limit: must be an integer',
    );
    validateListVersionsQuery({ limit: 1000 });
    expect(rejection(() => validateListVersionsQuery({ version_format: 3 })).field).toBe('version_format');
    expect(rejection(() => validateListDatasetsQuery({ limit: 0 })).field).toBe('limit');
    expect(rejection(() => validateId('dataset_id', 'a/b')).message).toContain('dataset_id: must be a non-empty id');
    expect(rejection(() => validateId('task_id', '')).field).toBe('task_id');
  });

  it('rejects "." and ".." and control characters as ids (URL normalisation would call another API)', () => {
    for (const bad of ['.', '..', 'a\u0007b', 'ab\u202e', 'x\u0085']) {
      const err = rejection(() => validateId('task_id', bad));
      expect(err.field).toBe('task_id');
      expect(err.message).toContain('task_id: must be a non-empty id');
      expect(err.message).toContain('not "." or ".."');
    }
    const long = rejection(() => validateId('dataset_id', 'd'.repeat(100_000)));
    expect(long.message).toContain('dataset_id: must be at most 128 characters');
    expect(long.message.length).toBeLessThan(300);
    expect(validateId('version_id', '...')).toBe('...');
    expect(validateId('dataset_id', 'gfghHSokody6AJigS5A')).toBe('gfghHSokody6AJigS5A');
  });
});

describe('friendly names', () => {
  it('maps export types and formats, accepting wire values', () => {
    expect(['labeled', 'unlabeled', 'all', 'conditional'].map((n) => toExportType(n))).toEqual([0, 1, 2, 3]);
    expect(toExportType(2)).toBe(2);
    expect(toExportType('3')).toBe(3);
    expect(toExportFormat('tree')).toBe(1);
    expect(toExportFormat('Tile')).toBe(2);
    expect(exportFormatName(1)).toBe('tree');
    expect(rejection(() => toExportFormat('flat')).message).toBe(
      'Invalid export_format: export_format: must be one of tree (1), tile (2); got "flat"',
    );
    expect(rejection(() => toExportType(7)).allowed).toEqual([
      'labeled',
      'unlabeled',
      'all',
      'conditional',
      0,
      1,
      2,
      3,
    ]);
  });

  it('maps all 13 sample states both ways', () => {
    expect(Object.values(SAMPLE_STATE_NAMES).sort()).toEqual([...SAMPLE_STATES].sort());
    expect(toSampleState('labeled')).toBe('__ALL__');
    expect(toSampleState('unlabeled')).toBe('__NONE__');
    expect(toSampleState('workforce_sampled_unchecked')).toBe('__WORKFORCE_SAMPLED_UNCHECK__');
    expect(toSampleState('__REJECTED__')).toBe('__REJECTED__');
    expect(rejection(() => toSampleState('__FOO__')).field).toBe('sample_state');
  });

  it('names intelligent task statuses', () => {
    expect([-1, 0, 1, 2, 3, 4, 5, 9].map(intelligentTaskStatusName)).toEqual([
      'queuing',
      'initializing',
      'running',
      'failed',
      'succeeded',
      'stopping',
      'stopped',
      'unknown(9)',
    ]);
  });
});

describe('errors', () => {
  const api = (
    httpStatus: number,
    errorCode?: string,
    extra: Partial<{ retryAfterMs: number; method: string; authMode: 'aksk' | 'iam' | 'token' }> = {},
  ) =>
    new ModelArtsApiError({
      httpStatus,
      errorCode,
      errorMsg: 'msg',
      requestId: 'rid-1',
      method: extra.method ?? 'GET',
      path: '/v2/p/datasets/d',
      retryAfterMs: extra.retryAfterMs,
      authMode: extra.authMode,
    });
  const network = (code: string, timeout: boolean, method = 'GET') =>
    new ModelArtsNetworkError({ code, timeout, method, path: '/p', detail: 'x' });

  it.each([
    ['429 with Retry-After', api(429, 'ModelArts.4206', { retryAfterMs: 3000 }), true, 3000],
    ['429 without Retry-After', api(429, 'APIG.0308'), true, undefined],
    ['500', api(500, 'ModelArts.0001'), true, undefined],
    ['503 gateway', api(503, 'ModelArts.4700'), true, undefined],
    ['400 not found', api(400, 'ModelArts.4352'), false, undefined],
    ['400 invalid export parameter', api(400, 'ModelArts.4384'), false, undefined],
    ['403', api(403, 'ModelArts.4310'), false, undefined],
    ['404', api(404), false, undefined],
    ['401 expired IAM token', api(401, 'ModelArts.4127', { authMode: 'iam' }), true, undefined],
    ['401 invalid IAM token', api(401, 'ModelArts.4201', { authMode: 'iam' }), true, undefined],
    ['401 expired fixed token', api(401, 'ModelArts.4127', { authMode: 'token' }), false, undefined],
    ['401 wrong AK/SK signature', api(401, 'APIG.0301', { authMode: 'aksk' }), false, undefined],
    ['401 signature clock skew', api(401, 'APIG.0303', { authMode: 'aksk' }), false, undefined],
    ['400 version once per minute', api(400, 'ModelArts.4370'), true, 60_000],
    ['501 auto labeling already running', api(501, 'ModelArts.4386'), false, undefined],
    ['500 quota', api(500, 'ModelArts.4354'), false, undefined],
    ['reset', network('ECONNRESET', false), true, undefined],
    ['timeout', network('ETIMEDOUT', true), true, undefined],
    ['validation', new ModelArtsValidationError([{ field: 'path', message: 'path: is required' }]), false, undefined],
    ['config', new ConfigError(['X: bad']), false, undefined],
    ['bad body', new ModelArtsResponseError('answer is not JSON', 200, 'GET', '/p'), true, undefined],
    ['unknown', new Error('boom'), false, undefined],
  ])('classifies %s', (_name, err, retryable, retryAfterMs) => {
    const c = classifyError(err);
    expect(c.retryable).toBe(retryable);
    expect(c.retryAfterMs).toBe(retryAfterMs);
    expect(c.reason).toBeTruthy();
  });

  it('flags failed creates that may have been applied', () => {
    expect(classifyError(network('ETIMEDOUT', true, 'POST')).mayHaveSucceeded).toBe(true);
    expect(classifyError(api(502, undefined, { method: 'POST' })).mayHaveSucceeded).toBe(true);
    expect(classifyError(network('ETIMEDOUT', true, 'GET')).mayHaveSucceeded).toBe(false);
  });

  it('builds messages with code, message and request id', () => {
    const err = api(400, 'ModelArts.4352');
    expect(err.message).toBe(
      'ModelArts GET /v2/p/datasets/d failed with HTTP 400 ModelArts.4352: msg (request id rid-1)',
    );
    expect(err.isAuthError).toBe(false);
    expect(api(401).isAuthError).toBe(true);
  });

  it('parses error bodies like the Huawei SDKs', () => {
    expect(
      parseErrorBody('{"error_code":"ModelArts.4352","error_msg":"Dataset does not exist"}', { 'x-request-id': 'h1' }),
    ).toEqual({
      errorCode: 'ModelArts.4352',
      errorMsg: 'Dataset does not exist',
      requestId: 'h1',
    });
    expect(parseErrorBody('{"error_code":"APIG.0301","error_msg":"bad","request_id":"b1"}')).toEqual({
      errorCode: 'APIG.0301',
      errorMsg: 'bad',
      requestId: 'b1',
    });
    expect(parseErrorBody('{"code":"X.1","message":"m"}')).toEqual({
      errorCode: 'X.1',
      errorMsg: 'm',
      requestId: undefined,
    });
    expect(
      parseErrorBody('{"error":{"code":401,"message":"The username or password is wrong.","title":"Unauthorized"}}'),
    ).toEqual({
      errorCode: '401',
      errorMsg: 'The username or password is wrong.',
      requestId: undefined,
    });
    expect(parseErrorBody('<html>Bad gateway</html>')).toEqual({
      errorMsg: '<html>Bad gateway</html>',
      requestId: undefined,
    });
    expect(parseErrorBody('')).toEqual({ errorMsg: undefined, requestId: undefined });
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(parseRetryAfter('5', now)).toBe(5000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('Mon, 01 Jan 2024 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 31 Dec 2023 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('redaction', () => {
  it('removes signatures, tokens, keys and passwords from text', () => {
    const text = [
      'Authorization: SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
      'X-Auth-Token: MIIEhQYJKoZIhvcNAQcCoIIEdjCCBHICAQExDTALBglghkgBZQMEAgEwgXXXXXXXXX',
      '{"password":"hunter2!","user":"bob"}',
      'MODELARTS_SECRET_KEY=MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc',
      'x-subject-token=gAAAAABlongfernettokenvalue0123456789012345678901234567890',
    ].join('\n');
    const out = redactSecrets(text);
    for (const secret of ['QTWAOYTTINDUT2QVKYUC', '7be6668032f7', 'MIIEhQYJ', 'hunter2!', 'MFyfvK41', 'gAAAAABlong'])
      expect(out).not.toContain(secret);
    expect(out).toContain('SignedHeaders=content-type;host;x-sdk-date');
    expect(out).toContain('"user":"bob"');
  });

  it('removes known secret values wherever they appear', () => {
    expect(redactSecrets('failed for s3cr3t-value here', ['s3cr3t-value'])).toBe('failed for [REDACTED] here');
  });

  it('keeps secrets out of API error messages', () => {
    const err = new ModelArtsApiError({
      httpStatus: 401,
      errorCode: 'APIG.0301',
      errorMsg: 'bad token X-Auth-Token: MIIabc',
      method: 'GET',
      path: '/x',
    });
    expect(err.message).not.toContain('MIIabc');
  });
});

describe('environment', () => {
  const base = {
    MODELARTS_ENDPOINT: 'https://modelarts.eu-de.otc.t-systems.com',
    MODELARTS_PROJECT_ID: '0123456789abcdef0123456789abcdef',
  };
  const iam = {
    MODELARTS_IAM_ENDPOINT: 'https://iam.eu-de.otc.t-systems.com/v3',
    MODELARTS_USERNAME: 'alice',
    MODELARTS_PASSWORD: 'pa55word-secret',
    MODELARTS_DOMAIN_NAME: 'OTC-EU-DE-000000000010000',
    MODELARTS_PROJECT_NAME: 'eu-de',
  };
  const openrc = {
    OS_AUTH_URL: 'https://iam.eu-de.otc.t-systems.com:443/v3',
    OS_USERNAME: 'bob',
    OS_PASSWORD: 'os-password-secret',
    OS_USER_DOMAIN_NAME: 'OTC-EU-DE-1',
    OS_PROJECT_NAME: 'eu-de_sub',
    OS_PROJECT_ID: 'fedcba9876543210fedcba9876543210',
  };

  it('reads AK/SK', () => {
    const opts = modelArtsOptionsFromEnv({
      ...base,
      MODELARTS_ACCESS_KEY: 'AKAKAKAKAKAK',
      MODELARTS_SECRET_KEY: 'sksksksksksk',
      MODELARTS_SECURITY_TOKEN: 'tok',
    });
    expect(opts.endpoint).toBe(base.MODELARTS_ENDPOINT);
    expect(opts.projectId).toBe(base.MODELARTS_PROJECT_ID);
    expect(opts.auth).toBeInstanceOf(AkSkAuth);
    expect(opts.auth.describe()).toBe('AK/SK signing (access key AKAK…, temporary)');
    // Secrets never serialize.
    expect(JSON.stringify(opts)).not.toContain('sksksk');
  });

  it('reads an IAM password configuration and a ready token', () => {
    const opts = modelArtsOptionsFromEnv({ ...base, ...iam, MODELARTS_TIMEOUT_MS: '5000' });
    expect(opts.auth.mode).toBe('iam');
    expect(opts.timeoutMs).toBe(5000);
    expect(opts.auth.describe()).toContain(
      'user alice, domain OTC-EU-DE-000000000010000, project eu-de, IAM https://iam.eu-de.otc.t-systems.com',
    );
    expect(JSON.stringify(opts)).not.toContain('pa55word');
    expect(modelArtsOptionsFromEnv({ ...base, MODELARTS_AUTH_TOKEN: 'MIItoken' }).auth.mode).toBe('token');
  });

  it('accepts OpenStack OS_* names', () => {
    const opts = modelArtsOptionsFromEnv({ MODELARTS_ENDPOINT: base.MODELARTS_ENDPOINT, ...openrc });
    expect(opts.projectId).toBe(openrc.OS_PROJECT_ID);
    expect(opts.auth.mode).toBe('iam');
    expect(opts.auth.describe()).toContain(
      'user bob, domain OTC-EU-DE-1, project eu-de_sub, IAM https://iam.eu-de.otc.t-systems.com:443',
    );
    const { OS_USER_DOMAIN_NAME: _unused, ...withDomain } = openrc;
    expect(modelArtsOptionsFromEnv({ ...base, ...withDomain, OS_DOMAIN_NAME: 'D2' }).auth.describe()).toContain(
      'domain D2',
    );
    expect(modelArtsOptionsFromEnv({ ...base, OS_TOKEN: 't1' }).auth.mode).toBe('token');
    expect(modelArtsOptionsFromEnv({ ...base, OS_AUTH_TOKEN: 't1' }).auth.mode).toBe('token');
    expect(modelArtsOptionsFromEnv({ ...base, OS_ACCESS_KEY: 'AKAKAKAKAKAK', OS_SECRET_KEY: 'sk' }).auth.mode).toBe(
      'aksk',
    );
  });

  it('accepts the Huawei Cloud SDK names', () => {
    const opts = modelArtsOptionsFromEnv({
      MODELARTS_ENDPOINT: base.MODELARTS_ENDPOINT,
      HUAWEICLOUD_SDK_AK: 'HWAKHWAKHWAK',
      HUAWEICLOUD_SDK_SK: 'hwsk',
      HUAWEICLOUD_SDK_PROJECT_ID: 'abc123',
      HUAWEICLOUD_SDK_SECURITY_TOKEN: 'st',
    });
    expect(opts.projectId).toBe('abc123');
    expect(opts.auth.describe()).toBe('AK/SK signing (access key HWAK…, temporary)');
  });

  it('lets MODELARTS_* win over other names', () => {
    const opts = modelArtsOptionsFromEnv({ ...base, ...openrc, ...iam });
    expect(opts.projectId).toBe(base.MODELARTS_PROJECT_ID);
    expect(opts.auth.describe()).toContain('user alice');
    // An explicit MODELARTS_* mode beats an ambient openrc of another mode.
    expect(modelArtsOptionsFromEnv({ ...base, ...openrc, MODELARTS_AUTH_TOKEN: 't' }).auth.mode).toBe('token');
    // Fallback precedence among non-MODELARTS modes: AK/SK, then token, then password.
    expect(modelArtsOptionsFromEnv({ ...base, ...openrc, OS_TOKEN: 't' }).auth.mode).toBe('token');
    expect(
      modelArtsOptionsFromEnv({ ...base, ...openrc, OS_TOKEN: 't', HUAWEICLOUD_SDK_AK: 'a', HUAWEICLOUD_SDK_SK: 'b' })
        .auth.mode,
    ).toBe('aksk');
  });

  it('rejects two explicit modes as ambiguous', () => {
    const err = configError({
      ...base,
      MODELARTS_ACCESS_KEY: 'a',
      MODELARTS_SECRET_KEY: 'b',
      MODELARTS_AUTH_TOKEN: 't',
    });
    expect(err.message).toContain('conflicting authentication settings');
    expect(err.message).toContain(
      'MODELARTS_ACCESS_KEY, MODELARTS_SECRET_KEY (AK/SK signing) and MODELARTS_AUTH_TOKEN (a ready IAM token)',
    );
  });

  it('names every missing or invalid variable, and never echoes secrets', () => {
    const err = configError({
      MODELARTS_ENDPOINT: 'ftp://x',
      MODELARTS_USERNAME: 'alice',
      MODELARTS_PASSWORD: 'super-secret-pw',
    });
    expect(err.problems).toEqual([
      'MODELARTS_ENDPOINT: must use https:// (or http:// for a local simulator); got ftp://',
      'MODELARTS_PROJECT_ID (or OS_PROJECT_ID / HUAWEICLOUD_SDK_PROJECT_ID): is required (the project id, see the console under My Credentials > Projects)',
      'MODELARTS_IAM_ENDPOINT (or OS_AUTH_URL / HUAWEICLOUD_SDK_IAM_ENDPOINT): is required for IAM password authentication',
      'MODELARTS_DOMAIN_NAME (or OS_USER_DOMAIN_NAME / OS_DOMAIN_NAME): is required for IAM password authentication',
      'MODELARTS_PROJECT_NAME (or OS_PROJECT_NAME / OS_TENANT_NAME): is required for IAM password authentication',
    ]);
    expect(err.message).not.toContain('super-secret-pw');
  });

  it('rejects partial configurations', () => {
    expect(configError({ ...base, MODELARTS_ACCESS_KEY: 'a' }).problems).toEqual([
      'MODELARTS_SECRET_KEY (or OS_SECRET_KEY / HUAWEICLOUD_SDK_SK): is required for AK/SK signing',
    ]);
    expect(configError({ ...base, HUAWEICLOUD_SDK_SK: 'x' }).problems).toEqual([
      'MODELARTS_ACCESS_KEY (or OS_ACCESS_KEY / HUAWEICLOUD_SDK_AK): is required for AK/SK signing',
    ]);
    expect(
      configError({ ...base, OS_USERNAME: 'u', OS_PASSWORD: 'p', OS_AUTH_URL: 'https://iam.example.com/v3' }).problems,
    ).toEqual([
      'MODELARTS_DOMAIN_NAME (or OS_USER_DOMAIN_NAME / OS_DOMAIN_NAME): is required for IAM password authentication',
      'MODELARTS_PROJECT_NAME (or OS_PROJECT_NAME / OS_TENANT_NAME): is required for IAM password authentication',
    ]);
    expect(configError(base).problems[0]).toMatch(
      /^MODELARTS_ACCESS_KEY, MODELARTS_USERNAME, MODELARTS_AUTH_TOKEN: no authentication configured/,
    );
    // Empty values count as unset.
    expect(configError({ ...base, MODELARTS_AUTH_TOKEN: '  ' }).problems[0]).toContain('no authentication configured');
  });

  it('validates URLs and numbers', () => {
    const problems = configError({
      MODELARTS_ENDPOINT: 'https://modelarts.eu-de.otc.t-systems.com/v2/abc',
      MODELARTS_PROJECT_ID: 'has space',
      MODELARTS_TIMEOUT_MS: '-1',
      ...iam,
      MODELARTS_IAM_ENDPOINT: 'not a url',
    }).problems;
    expect(problems).toEqual([
      'MODELARTS_ENDPOINT: must be the base URL without /v2/{project_id}, e.g. https://modelarts.eu-de.otc.t-systems.com',
      'MODELARTS_PROJECT_ID: must be a project id (letters and digits); got "has space"',
      'MODELARTS_TIMEOUT_MS: must be a whole number of milliseconds from 1 to 30000 (an activity attempt allows 4 requests of that length); got "-1"',
      'MODELARTS_IAM_ENDPOINT: must be an http(s) URL for IAM, e.g. https://host; got "not a url"',
    ]);
    expect(
      configError({ ...base, MODELARTS_ENDPOINT: 'https://user:pw@host', MODELARTS_AUTH_TOKEN: 't' }).message,
    ).not.toContain(':pw@');
  });

  it('documents the variables', () => {
    expect(MODELARTS_ENV_TABLE).toContain(
      '| accessKey | `MODELARTS_ACCESS_KEY`, `OS_ACCESS_KEY`, `HUAWEICLOUD_SDK_AK` | AK/SK signing |',
    );
  });

  it('normalises the IAM endpoint', () => {
    expect(iamBaseUrl('https://iam.eu-de.otc.t-systems.com/v3/')).toBe('https://iam.eu-de.otc.t-systems.com');
    expect(iamBaseUrl('https://iam.myhuaweicloud.com')).toBe('https://iam.myhuaweicloud.com');
    expect(
      new IamPasswordAuth({
        iamEndpoint: 'http://h/v3',
        username: 'u',
        password: 'p',
        domainName: 'd',
        projectName: 'p',
      }).describe(),
    ).toContain('IAM http://h)');
  });
});
