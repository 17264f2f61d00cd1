/**
 * Dataset versions: `POST|GET /datasets/{id}/versions`, `GET /datasets/{id}/versions/{version_id}`.
 * Status 0 creating → 1 normal ("running" in the docs' wording) | 4 error. One release per minute per dataset.
 */
import { z } from 'zod';
import {
  VERSION_FORMATS,
  VERSION_FORMAT_CODES,
  type CreateVersionResponse,
  type DatasetVersion,
  type LabelStats,
  type ListVersionsResponse,
  type VersionFormat,
} from '../modelarts/types.js';
import { jsonBody, ok, type Context, type RouteRequest, type RouteResult } from './context.js';
import { Errors } from './errors.js';
import { stripNulls } from './export-tasks.js';
import { innerWorkPath, visibleAt, type DatasetRecord, type VersionRecord } from './store.js';
import { momentAt } from './timeline.js';
import { page, paging, queryEnum, ratio } from './validate.js';

const createVersion = z.looseObject({
  version_name: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/)
    .optional(),
  version_format: z.enum(VERSION_FORMATS).optional(),
  // 0–256 characters, none of !<>=&"'
  description: z
    .string()
    .max(256)
    .regex(/^[^!<>=&"']*$/)
    .optional(),
  clear_hard_property: z.boolean().optional(),
  export_images: z.boolean().optional(),
  remove_sample_usage: z.boolean().optional(),
  train_evaluate_sample_ratio: z
    .union([z.string(), z.number()])
    .refine((v) => ratio.safeParse(v).success)
    .optional(),
  with_column_header: z.boolean().optional(),
});

const TABLE_DATASET = 400;

export function versionStatus(v: VersionRecord, now: number): number {
  const { phase } = momentAt(v.behavior, v.createdAt, now);
  if (phase !== 'done') return 0;
  return v.behavior.fail ? 4 : 1;
}

/** The newest version that finished publishing. */
export function currentVersion(ds: DatasetRecord, now: number): VersionRecord | undefined {
  return [...ds.versions].reverse().find((v) => versionStatus(v, now) === 1);
}

function defaultName(ds: DatasetRecord): string {
  for (let n = ds.versions.length + 1; ; n++) {
    const name = `V${String(n).padStart(3, '0')}`;
    if (!ds.versions.some((v) => v.name === name)) return name;
  }
}

export function createVersionHandler(ctx: Context, req: RouteRequest): RouteResult {
  const ds = ctx.store.require(req.params.datasetId!);
  const parsed = createVersion.safeParse(stripNulls(jsonBody(req)));
  if (!parsed.success) throw Errors.invalidRequest();
  const body = parsed.data;
  if (body.version_format === 'CarbonData' && ds.type !== TABLE_DATASET) throw Errors.invalidRequest();
  const now = ctx.now();
  const last = ds.versions.at(-1);
  if (last && now - last.createdAt < ctx.versionReleaseIntervalMs) throw Errors.versionTooSoon();
  if (ds.versions.some((v) => versionStatus(v, now) === 0)) throw Errors.publishing();
  if (body.version_name && ds.versions.some((v) => v.name === body.version_name)) throw Errors.versionExists();

  const behavior = ctx.store.behaviorFor(ds);
  const previous = currentVersion(ds, now);
  const record: VersionRecord = {
    id: ctx.ids.id(),
    datasetId: ds.id,
    name: body.version_name ?? defaultName(ds),
    format: body.version_format ?? 'Default',
    description: body.description ?? '',
    createdAt: now,
    behavior,
    ...(previous ? { previousVersionId: previous.id } : {}),
    clearHardProperty: body.clear_hard_property ?? true,
    exportImages: body.export_images ?? false,
    removeSampleUsage: body.remove_sample_usage ?? true,
    ratio: body.train_evaluate_sample_ratio === undefined ? '1.00' : String(body.train_evaluate_sample_ratio),
    ...(body.with_column_header !== undefined ? { withColumnHeader: body.with_column_header } : {}),
    totalSamples: behavior.totalSamples ?? ds.totalSamples,
    annotatedSamples: Math.min(ds.annotatedSamples, behavior.totalSamples ?? ds.annotatedSamples),
    labels: structuredClone(ds.labels),
  };
  ds.versions.push(record);
  ctx.counters.count(ds.id, 'versionCreates');
  return ok({ version_id: record.id } satisfies CreateVersionResponse, 201);
}

/** Annotated samples spread evenly over the labels. */
function labelStats(v: VersionRecord): LabelStats[] {
  const n = v.labels.length;
  return v.labels.map((label, i) => {
    const count = Math.floor(v.annotatedSamples / n) + (i < v.annotatedSamples % n ? 1 : 0);
    return { ...label, count, sample_count: count };
  });
}

/** Field order as in the docs' examples; the list omits label_stats and label_type, as its example does. */
export function versionView(ds: DatasetRecord, v: VersionRecord, now: number, detail: boolean): DatasetVersion {
  const status = versionStatus(v, now);
  const dir = `${innerWorkPath(ds)}annotation/${v.name}/`;
  return {
    version_id: v.id,
    version_name: v.name,
    version_format: v.format as VersionFormat,
    ...(v.previousVersionId ? { previous_version_id: v.previousVersionId } : {}),
    status,
    create_time: v.createdAt,
    total_sample_count: v.totalSamples,
    annotated_sample_count: v.annotatedSamples,
    total_sub_sample_count: 0,
    annotated_sub_sample_count: 0,
    manifest_path: `${dir}${v.name}.manifest`,
    data_path: `${dir}data/`,
    is_current: currentVersion(ds, now)?.id === v.id,
    // The docs' examples show 3 for published versions (no feature analysis ran).
    analysis_status: 3,
    train_evaluate_sample_ratio: v.ratio,
    remove_sample_usage: v.removeSampleUsage,
    export_images: v.exportImages,
    description: v.description,
    ...(status === 4 ? { message: v.behavior.fail!.error_msg } : {}),
    ...(detail ? { label_stats: labelStats(v), label_type: 'single' as const } : {}),
    task_type: ds.type,
    extract_serial_number: false,
  };
}

export function getVersion(ctx: Context, req: RouteRequest): RouteResult {
  const ds = ctx.store.require(req.params.datasetId!);
  const v = ds.versions.find((x) => x.id === req.params.versionId);
  if (!v || !visibleAt(v, ctx.now())) throw Errors.versionNotFound();
  ctx.counters.count(ds.id, 'versionReads', v.id);
  return ok(versionView(ds, v, ctx.now(), true));
}

export function listVersions(ctx: Context, req: RouteRequest): RouteResult {
  const ds = ctx.store.require(req.params.datasetId!);
  const status = queryEnum(req.query, 'status', [0, 1, 2, 3, 4]);
  // An int here (0 Default, 1 CarbonData, 2 CSV), unlike the string everywhere else.
  const format = queryEnum(req.query, 'version_format', [0, 1, 2]);
  const range = ratioRange(req.query.get('train_evaluate_ratio'));
  const paged = paging(req.query, 1000, 1000);
  const now = ctx.now();
  const matching = ds.versions
    .filter(
      (v) =>
        visibleAt(v, now) &&
        (status === undefined || versionStatus(v, now) === status) &&
        (format === undefined || VERSION_FORMAT_CODES[v.format as VersionFormat] === format) &&
        (!range || (Number(v.ratio) >= range[0] && Number(v.ratio) <= range[1])),
    )
    .reverse();
  ctx.counters.count(ds.id, 'versionLists');
  return ok({
    total_number: matching.length,
    versions: page(matching, paged).map((v) => versionView(ds, v, now, false)),
  } satisfies ListVersionsResponse);
}

/** `train_evaluate_ratio=0.0,1.0` → [0, 1]. */
function ratioRange(raw: string | null): [number, number] | undefined {
  if (!raw) return undefined;
  const parts = raw.split(',').map((p) => ratio.safeParse(p.trim()));
  const [lo, hi] = parts;
  if (parts.length !== 2 || !lo?.success || !hi?.success) throw Errors.invalidRequest();
  return [lo.data, hi.data];
}
