/**
 * Typed client for the ModelArts v2 dataset APIs (export tasks, intelligent tasks, datasets, versions, import tasks).
 *
 * - Requests are validated before sending (validation.ts) and the JSON body is built once, so the bytes signed are
 *   the bytes sent.
 * - No automatic retries: callers (Temporal activities) decide, using `classifyError`. The one exception is a single
 *   retry after the auth provider refreshed an expired token on 401, which is safe even for creates because a 401
 *   means the request was not applied.
 * - Every answer is checked against the schema of what the API documents (answers.ts) and read with a size cap, so a
 *   malformed answer is a ModelArtsMalformedAnswerError naming the call and the field, never a TypeError later.
 * - Each call is logged at debug level with method, path, status and duration; headers are never logged.
 */
import type { Logger } from 'pino';
import { ANSWERS, checkAnswer, type AnswerSchema } from './answers.js';
import type { AuthProvider } from './auth.js';
import { DEFAULT_MAX_ANSWER_BYTES } from './bounded.js';
import {
  ModelArtsApiError,
  ModelArtsError,
  ModelArtsResponseError,
  parseErrorBody,
  parseRetryAfter,
} from './errors.js';
import { header, send, type HttpMethod } from './http.js';
import { uriEncode } from './signing.js';
import type {
  CreateExportTaskRequest,
  CreateImportTaskRequest,
  CreateTaskResponse,
  CreateVersionRequest,
  CreateVersionResponse,
  Dataset,
  DatasetVersion,
  ExportTask,
  GetDatasetQuery,
  ImportTask,
  IntelligentTask,
  ListDatasetsQuery,
  ListDatasetsResponse,
  ListExportTasksQuery,
  ListExportTasksResponse,
  ListImportTasksQuery,
  ListImportTasksResponse,
  ListTasksQuery,
  ListTasksResponse,
  ListVersionsQuery,
  ListVersionsResponse,
  StartTaskRequest,
} from './types.js';
import {
  validateCreateExportTask,
  validateCreateImportTask,
  validateCreateVersion,
  validateGetDatasetQuery,
  validateId,
  validateListDatasetsQuery,
  validateListExportTasksQuery,
  validateListImportTasksQuery,
  validateListTasksQuery,
  validateListVersionsQuery,
  validateStartTask,
} from './validation.js';

export interface ModelArtsClientOptions {
  /** e.g. `https://modelarts.eu-de.otc.t-systems.com` (no `/v2/...`). */
  endpoint: string;
  projectId: string;
  auth: AuthProvider;
  /** Per request, default 30 s. */
  timeoutMs?: number;
  logger?: Logger;
  userAgent?: string;
  /** Answers larger than this are abandoned while they stream in (default 10 MB). */
  maxAnswerBytes?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
/** The longest per-request timeout allowed: 4 of them fit an activity attempt (src/contract/activity-options.ts). */
export const MAX_TIMEOUT_MS = 30_000;
export const DEFAULT_USER_AGENT = 'modelarts-temporal/0.1';
const CONTENT_TYPE = 'application/json';

type Query = Record<string, string | number | boolean | undefined>;

/** Where a call goes: the path after `/v2/{project_id}`, and the same as a template without ids. */
interface Target {
  suffix: string;
  route: string;
}

interface CallOptions<T> {
  query?: Query;
  body?: unknown;
  /** What a 2xx answer must look like; without it (stop: 204) the body is ignored. */
  answer?: AnswerSchema<T>;
}

export class ModelArtsClient {
  readonly endpoint: string;
  readonly projectId: string;
  readonly #auth: AuthProvider;
  readonly #timeoutMs: number;
  readonly #logger: Logger | undefined;
  readonly #userAgent: string;
  readonly #maxAnswerBytes: number;

  constructor(options: ModelArtsClientOptions) {
    const url = new URL(options.endpoint);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new ModelArtsError(`endpoint must be an http(s) URL; got ${url.protocol}`);
    }
    this.endpoint = options.endpoint.replace(/\/+$/, '');
    this.projectId = validateId('project_id', options.projectId);
    this.#auth = options.auth;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#logger = options.logger;
    this.#userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.#maxAnswerBytes = options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  }

  get authMode(): AuthProvider['mode'] {
    return this.#auth.mode;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Export tasks
  // -------------------------------------------------------------------------------------------------------------

  /** POST .../datasets/{id}/export-tasks. Not idempotent: never repeat it blindly after a timeout. */
  async createExportTask(datasetId: string, request: CreateExportTaskRequest): Promise<CreateTaskResponse> {
    const body = validateCreateExportTask(request);
    const suffix = this.#dataset(datasetId, 'export-tasks');
    return this.#call('POST', suffix, { body, answer: ANSWERS.createTask });
  }

  async getExportTask(datasetId: string, taskId: string): Promise<ExportTask> {
    return this.#call('GET', this.#dataset(datasetId, 'export-tasks', ['task_id', taskId]), {
      answer: ANSWERS.exportTask,
    });
  }

  /** One page; `offset` is a page index. */
  async listExportTasks(datasetId: string, query: ListExportTasksQuery = {}): Promise<ListExportTasksResponse> {
    return this.#call('GET', this.#dataset(datasetId, 'export-tasks'), {
      query: { ...validateListExportTasksQuery(query) },
      answer: ANSWERS.exportTaskList,
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Intelligent tasks
  // -------------------------------------------------------------------------------------------------------------

  /** POST .../datasets/{id}/tasks (auto-label, pre-label, auto-grouping). Not idempotent. */
  async startTask(datasetId: string, request: StartTaskRequest): Promise<CreateTaskResponse> {
    const body = validateStartTask(request);
    const suffix = this.#dataset(datasetId, 'tasks');
    return this.#call('POST', suffix, { body, answer: ANSWERS.createTask });
  }

  async getTask(datasetId: string, taskId: string): Promise<IntelligentTask> {
    return this.#call('GET', this.#dataset(datasetId, 'tasks', ['task_id', taskId]), {
      answer: ANSWERS.intelligentTask,
    });
  }

  /** One page; `offset` is a page index. Without `type`, the service lists auto-label and pre-label tasks. */
  async listTasks(datasetId: string, query: ListTasksQuery = {}): Promise<ListTasksResponse> {
    return this.#call('GET', this.#dataset(datasetId, 'tasks'), {
      query: { ...validateListTasksQuery(query) },
      answer: ANSWERS.taskList,
    });
  }

  /** POST .../tasks/{task_id}/stop; the service answers 204. */
  async stopTask(datasetId: string, taskId: string): Promise<void> {
    await this.#call<void>('POST', this.#dataset(datasetId, 'tasks', ['task_id', taskId], 'stop'));
  }

  // -------------------------------------------------------------------------------------------------------------
  // Datasets
  // -------------------------------------------------------------------------------------------------------------

  async getDataset(datasetId: string, query: GetDatasetQuery = {}): Promise<Dataset> {
    return this.#call('GET', this.#dataset(datasetId), {
      query: { ...validateGetDatasetQuery(query) },
      answer: ANSWERS.dataset,
    });
  }

  /** One page; `offset` is a page index. `search_content` is a fuzzy name match. */
  async listDatasets(query: ListDatasetsQuery = {}): Promise<ListDatasetsResponse> {
    return this.#call('GET', '/datasets', {
      query: { ...validateListDatasetsQuery(query) },
      answer: ANSWERS.datasetList,
    });
  }

  /**
   * The dataset with exactly this name, or undefined. Pages through `search_content` results (a fuzzy match) and
   * skips datasets being deleted or deleted (status 2, 3), so a fresh NEW_DATASET export is not confused with an
   * old dataset of the same name.
   */
  async findDatasetByName(
    name: string,
    options: { pageSize?: number; maxPages?: number } = {},
  ): Promise<Dataset | undefined> {
    const limit = options.pageSize ?? 100;
    const maxPages = options.maxPages ?? 100;
    for (let offset = 0; offset < maxPages; offset++) {
      const page = await this.listDatasets({ search_content: name, limit, offset });
      const match = page.datasets.find((d) => d.dataset_name === name && d.status !== 2 && d.status !== 3);
      if (match) return match;
      if (page.datasets.length < limit || (offset + 1) * limit >= page.total_number) return undefined;
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Versions
  // -------------------------------------------------------------------------------------------------------------

  /** POST .../versions; 201 with `version_id`. At most one release per minute per dataset (ModelArts.4370). */
  async createVersion(datasetId: string, request: CreateVersionRequest = {}): Promise<CreateVersionResponse> {
    const body = validateCreateVersion(request);
    const suffix = this.#dataset(datasetId, 'versions');
    return this.#call('POST', suffix, { body, answer: ANSWERS.createVersion });
  }

  async getVersion(datasetId: string, versionId: string): Promise<DatasetVersion> {
    return this.#call('GET', this.#dataset(datasetId, 'versions', ['version_id', versionId]), {
      answer: ANSWERS.version,
    });
  }

  /** One page; `offset` is a page index; `version_format` is an int here (0 Default, 1 CarbonData, 2 CSV). */
  async listVersions(datasetId: string, query: ListVersionsQuery = {}): Promise<ListVersionsResponse> {
    return this.#call('GET', this.#dataset(datasetId, 'versions'), {
      query: { ...validateListVersionsQuery(query) },
      answer: ANSWERS.versionList,
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Import tasks
  // -------------------------------------------------------------------------------------------------------------

  /** POST .../import-tasks. Not idempotent. */
  async createImportTask(datasetId: string, request: CreateImportTaskRequest): Promise<CreateTaskResponse> {
    const body = validateCreateImportTask(request);
    const suffix = this.#dataset(datasetId, 'import-tasks');
    return this.#call('POST', suffix, { body, answer: ANSWERS.createTask });
  }

  async getImportTask(datasetId: string, taskId: string): Promise<ImportTask> {
    return this.#call('GET', this.#dataset(datasetId, 'import-tasks', ['task_id', taskId]), {
      answer: ANSWERS.importTask,
    });
  }

  /** One page; `offset` is a page index. */
  async listImportTasks(datasetId: string, query: ListImportTasksQuery = {}): Promise<ListImportTasksResponse> {
    return this.#call('GET', this.#dataset(datasetId, 'import-tasks'), {
      query: { ...validateListImportTasksQuery(query) },
      answer: ANSWERS.importTaskList,
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Plumbing
  // -------------------------------------------------------------------------------------------------------------

  /**
   * `/datasets/{dataset_id}[/more…]`: the path with ids validated and encoded, and its route template. A segment is
   * a literal or a named id (`['task_id', taskId]`).
   */
  #dataset(datasetId: string, ...rest: (string | [name: string, id: string])[]): Target {
    const segments: (string | [string, string])[] = ['datasets', ['dataset_id', datasetId], ...rest];
    return {
      suffix: segments
        .map((s) => `/${typeof s === 'string' ? s : encodeURIComponent(validateId(s[0], s[1]))}`)
        .join(''),
      route: segments.map((s) => `/${typeof s === 'string' ? s : `{${s[0]}}`}`).join(''),
    };
  }

  async #call<T>(method: HttpMethod, target: Target | string, options: CallOptions<T> = {}): Promise<T> {
    const { suffix, route } = typeof target === 'string' ? { suffix: target, route: target } : target;
    const url = new URL(`${this.endpoint}/v2/${encodeURIComponent(this.projectId)}${suffix}`);
    // RFC 3986 encoding (space as %20, not URLSearchParams' "+"), as the Huawei SDKs send it, so the server decodes
    // exactly the values that were signed.
    url.search = Object.entries(options.query ?? {})
      .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
      .map(([key, value]) => `${uriEncode(key)}=${uriEncode(String(value))}`)
      .join('&');
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);

    for (let attempt = 1; ; attempt++) {
      const authHeaders = await this.#auth.authenticate({
        method,
        url,
        body: body ?? '',
        contentType: CONTENT_TYPE,
        projectId: this.projectId,
      });
      const headers = {
        'Content-Type': CONTENT_TYPE,
        Accept: 'application/json',
        'User-Agent': this.#userAgent,
        ...authHeaders,
      };
      const started = performance.now();
      const logFields = { method, path: url.pathname, query: url.search || undefined, attempt };
      let response;
      try {
        response = await send({
          method,
          url,
          route: `/v2/{project_id}${route}`,
          headers,
          body,
          timeoutMs: this.#timeoutMs,
          maxBytes: this.#maxAnswerBytes,
        });
      } catch (err) {
        this.#logger?.debug(
          { ...logFields, error: (err as Error).message, durationMs: elapsed(started) },
          'ModelArts call failed',
        );
        throw err;
      }
      const requestId = header(response.headers, 'x-request-id');
      this.#logger?.debug(
        { ...logFields, status: response.status, requestId, durationMs: elapsed(started) },
        'ModelArts call',
      );

      if (response.status >= 200 && response.status < 300) {
        if (!options.answer) return undefined as T;
        const call = { method, path: url.pathname, httpStatus: response.status };
        // A create answered malformed may still have created the task: classifyError says so (mayHaveSucceeded).
        return checkAnswer(options.answer, parseBody(response.body, call), call);
      }

      const parsed = parseErrorBody(response.body, response.headers);
      const error = new ModelArtsApiError({
        httpStatus: response.status,
        errorCode: parsed.errorCode,
        errorMsg: parsed.errorMsg,
        requestId: parsed.requestId,
        retryAfterMs: parseRetryAfter(header(response.headers, 'retry-after')),
        method,
        path: url.pathname,
        authMode: this.#auth.mode,
      });
      if (response.status === 401 && attempt === 1 && this.#auth.onUnauthorized?.(error, authHeaders)) {
        this.#logger?.debug(
          { ...logFields, errorCode: error.errorCode },
          'ModelArts token rejected; retrying once with a fresh token',
        );
        continue;
      }
      throw error;
    }
  }
}

const elapsed = (started: number) => Math.round(performance.now() - started);

/** The JSON of a 2xx answer; undefined for an empty body (which checkAnswer reports). */
function parseBody(text: string, call: { method: string; path: string; httpStatus: number }): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // An HTML page (a proxy's login or maintenance page) is a failed read like a 5xx, not a malformed answer.
    throw new ModelArtsResponseError('answer is not JSON', call.httpStatus, call.method, call.path);
  }
}
