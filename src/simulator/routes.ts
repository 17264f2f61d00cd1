/** The ModelArts route table: method + path pattern → handler. Everything lives under `/v2/{project_id}`. */
import type { Context, RouteRequest, RouteResult } from './context.js';
import { getDataset, listDatasets } from './datasets.js';
import { createExportTask, getExportTask, listExportTasks } from './export-tasks.js';
import { createImportHandler, getImportTask, listImportTasks } from './import-tasks.js';
import { getTask, listTasks, startTaskHandler, stopTask } from './intelligent-tasks.js';
import { createVersionHandler, getVersion, listVersions } from './versions.js';

export type Handler = (ctx: Context, req: RouteRequest) => RouteResult;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
  /** A GET of one task or version: what `onlyPaths: 'status'` faults hit. */
  statusRead: boolean;
  /** A POST that creates a task or version (what `holdCreateAnswerMs` holds). */
  create: boolean;
  /** The API, as the gateway limits it: method and path template (`GET export-tasks/{taskId}`). */
  api: string;
  /** Method and template as the permission tables write them (`GET /v2/{project_id}/datasets/{dataset_id}`). */
  permission: string;
}

function route(method: string, template: string, handler: Handler, statusRead = false): Route {
  const names: string[] = [];
  const source = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return {
    method,
    pattern: new RegExp(`^${source}$`),
    names,
    handler,
    statusRead,
    create: method === 'POST' && !template.endsWith('/stop'),
    api: `${method} ${template.replace(`${D}/`, '').replace('/v2/{projectId}/', '')}`,
    permission: `${method} ${template.replace(/\{(\w+)Id\}/g, (_, name: string) => `{${name}_id}`)}`,
  };
}

const D = '/v2/{projectId}/datasets/{datasetId}';

export const ROUTES: Route[] = [
  route('GET', '/v2/{projectId}/datasets', listDatasets),
  route('GET', D, getDataset),
  route('POST', `${D}/export-tasks`, createExportTask),
  route('GET', `${D}/export-tasks`, listExportTasks),
  route('GET', `${D}/export-tasks/{taskId}`, getExportTask, true),
  route('POST', `${D}/tasks`, startTaskHandler),
  route('GET', `${D}/tasks`, listTasks),
  route('GET', `${D}/tasks/{taskId}`, getTask, true),
  route('POST', `${D}/tasks/{taskId}/stop`, stopTask),
  route('POST', `${D}/versions`, createVersionHandler),
  route('GET', `${D}/versions`, listVersions),
  route('GET', `${D}/versions/{versionId}`, getVersion, true),
  route('POST', `${D}/import-tasks`, createImportHandler),
  route('GET', `${D}/import-tasks`, listImportTasks),
  route('GET', `${D}/import-tasks/{taskId}`, getImportTask, true),
];

export interface Match {
  handler: Handler;
  params: Record<string, string>;
  statusRead: boolean;
  create: boolean;
  api: string;
  permission: string;
}

/** Matches a raw path; undefined when no route (or a malformed %-escape) fits. */
export function matchRoute(method: string, rawPath: string): Match | undefined {
  // Tolerate one trailing slash, as the canonical signing form carries one.
  const path = rawPath.length > 1 ? rawPath.replace(/\/$/, '') : rawPath;
  for (const r of ROUTES) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(path);
    if (!m) continue;
    try {
      const params = Object.fromEntries(r.names.map((name, i) => [name, decodeURIComponent(m[i + 1]!)]));
      return {
        handler: r.handler,
        params,
        statusRead: r.statusRead,
        create: r.create,
        api: r.api,
        permission: r.permission,
      };
    } catch {
      return undefined;
    }
  }
  return undefined;
}
