/**
 * The secrets canary's sealed pass (issue #22): N runs in sealed mode (a sealed worker and a sealed client, demo
 * keys of two tenants), some succeeding and some whose task FAILS with an error_msg of its own, and beside them a few
 * CONTROL runs in clear (an unsealed worker and client) whose values have a shape of their own. Then every place is
 * searched for every dataset id, OBS path, dataset name and error_msg, each kind by its family pattern:
 *
 * - what the Temporal server holds, read RAW through its API (no codec): histories (payloads, failures, user
 *   metadata), descriptions (memo, summaries, details), and search attribute values apart;
 * - the server's own SQLite files (`--db-filename`, with `-wal` and `-shm`), byte for byte;
 * - every span the workers exported (an OTLP/HTTP receiver in this process): names, span, event and resource
 *   attributes;
 * - the Prometheus metrics of the workers and of the exporter (`modelarts-export exporter`), scraped during and
 *   after the runs: label values;
 * - the workers' info-level logs (JSON lines, whole).
 *
 * Expected: 0 sealed values everywhere, while the same search finds the control runs' values in each place where
 * they exist in clear (histories, search attributes, database, spans, logs): the 0 is not a search that cannot see.
 * Last, the cross-tenant decode: the codec server (in process, the demo keys and tokens) is asked to decode the
 * sealed payloads read from the histories with one tenant's token, with the other's, and with none.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { Client } from '@temporalio/client';
import { connect } from '../client/connect.js';
import { awaitRun, startRun } from '../client/runs.js';
import { temporalConfigFromEnv } from '../config.js';
import { freePort } from '../devserver/dev-server.js';
import { workerEntry } from '../local/paths.js';
import type { LocalStack } from '../local/stack.js';
import { startWorkerProcess, type WorkerProcess } from '../local/worker-process.js';
import { sealedBy } from '../sealed/codec.js';
import { startCodecServer } from '../sealed/codec-server.js';
import { parseSealedKeys } from '../sealed/config.js';
import { ensureDemoSealedFiles } from '../sealed/demo-files.js';
import type { ScenarioContext } from './scenario.js';
import {
  canaryValues,
  countFamilies,
  databaseFiles,
  families,
  labelValues,
  scanFile,
  scrape,
  startExporterProcess,
  startOtlpReceiver,
} from './sealed-places.js';

export const SEALED_RUNS = { quick: 20, full: 1000 };
/** Clear control runs (every 4th fails too): enough to put each kind of value in each place. */
const CONTROL_RUNS = 8;
const QUEUE = 'q-sealed';
const CLEAR_QUEUE = 'q-clear';
const TENANTS = ['team-a', 'team-b'] as const;
/** Runs started at once: enough to overlap, few enough for a shared 2-core machine. */
const CONCURRENCY = 25;
/** Sealed payloads of the other tenant asked to be decoded, at most. */
const CROSS_TENANT_N = 1000;

/** One place searched: bytes read, sealed values found by kind, and the control's values found in its counterpart. */
export interface PlaceRow {
  place: string;
  bytes: number;
  counts: Map<string, number>;
  /** Values of the clear control runs found by the same search in the same kind of place; undefined: none expected. */
  control?: number;
  /** What else shows the place was really read (sealed payloads, spans, label values, lines). */
  note: string;
}

export interface CrossTenantDecode {
  /** Tenant B's sealed payloads asked with tenant A's token, and how many came back decoded. */
  otherAsked: number;
  otherDecoded: number;
  /** The same with no token (status of the answer). */
  noTokenAsked: number;
  noTokenDecoded: number;
  noTokenStatus: number;
  /** Each tenant's own payloads with its own token. */
  ownAsked: number;
  ownDecoded: number;
}

export interface SealedPassResult {
  runs: number;
  succeeded: number;
  failed: number;
  controlRuns: number;
  controlFailed: number;
  rows: PlaceRow[];
  /** Sealed values found anywhere (every row). */
  occurrences: number;
  /** The first few leaks, with context. */
  leaks: string[];
  /** Sealed payloads seen (`binary/encrypted`): proves the search read real payloads. */
  sealedPayloads: number;
  crossTenant: CrossTenantDecode;
  /** Spans the workers reported lost (modelarts_spans_dropped). */
  spansDropped: number;
}

/** Protobuf bytes as latin1 text: ciphertext stays opaque, clear text stays findable. */
function rawJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString('latin1');
    if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer')
      return Buffer.from((v as { data: number[] }).data).toString('latin1');
    return v as unknown;
  });
}

interface JsonPayload {
  metadata: Record<string, string>;
  data?: string;
}

const metaText = (p: JsonPayload, name: string) =>
  p.metadata[name] === undefined ? undefined : Buffer.from(p.metadata[name], 'base64').toString('latin1');

/** The tenant a sealed payload names in its clear header (src/sealed/codec.ts). */
const tenantOf = (p: JsonPayload) =>
  sealedBy({
    metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data ?? '', 'base64'),
  })?.tenant;

/** Every payload (`{metadata, data}`, base64) of a JSON tree. */
function payloadsOf(node: unknown, out: JsonPayload[] = []): JsonPayload[] {
  if (Array.isArray(node)) node.forEach((n) => payloadsOf(n, out));
  else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (record.metadata && typeof record.metadata === 'object' && !Array.isArray(record.metadata))
      out.push(record as unknown as JsonPayload);
    for (const value of Object.values(record)) payloadsOf(value, out);
  }
  return out;
}

/** Every base64 `data` / metadata value of a JSON tree, decoded (so clear payloads are searched as text). */
function decodedBase64(node: unknown): string[] {
  const out: string[] = [];
  for (const p of payloadsOf(node)) {
    if (typeof p.data === 'string') out.push(Buffer.from(p.data, 'base64').toString('latin1'));
    for (const v of Object.values(p.metadata))
      if (typeof v === 'string') out.push(Buffer.from(v, 'base64').toString('latin1'));
  }
  return out;
}

/**
 * Takes every `searchAttributes` subtree out of a JSON tree (the started event's, upserts', children's, the
 * description's) and gives back its text: search attributes are counted apart from everything else.
 */
function takeSearchAttributes(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => takeSearchAttributes(n, out));
  else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    for (const [key, value] of Object.entries(record)) {
      if (key === 'searchAttributes') {
        out.push(JSON.stringify(value), ...decodedBase64(value));
        delete record[key];
      } else takeSearchAttributes(value, out);
    }
  }
  return out;
}

/** What the server holds for the runs of one task queue, read without the codec. */
async function readServer(rawClient: Client, queue: string) {
  const held: string[] = [];
  const attributes: string[] = [];
  const sealed: JsonPayload[] = [];
  let executions = 0;
  for await (const w of rawClient.workflow.list({ query: `TaskQueue = "${queue}"` })) {
    executions++;
    const handle = rawClient.workflow.getHandle(w.workflowId, w.runId);
    const history = historyToJSON(await handle.fetchHistory());
    const description = await rawClient.workflowService.describeWorkflowExecution({
      namespace: rawClient.options.namespace,
      execution: { workflowId: w.workflowId, runId: w.runId },
    });
    // The history (payloads, failures, user metadata) and the description (memo, summary, details, pending
    // failures), raw; their search attributes apart.
    const historyTree = JSON.parse(history) as unknown;
    for (const p of payloadsOf(historyTree)) if (metaText(p, 'encoding') === 'binary/encrypted') sealed.push(p);
    for (const tree of [historyTree, JSON.parse(rawJson(description)) as unknown]) {
      attributes.push(...takeSearchAttributes(tree));
      held.push(JSON.stringify(tree), ...decodedBase64(tree));
    }
  }
  return { held: held.join('\n'), attributes: attributes.join('\n'), sealed, executions };
}

const sum = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);

/** Starts `n` runs of one pass, CONCURRENCY at a time, and counts outcomes; `between` runs after each batch. */
async function runAll(
  client: Client,
  runs: { workflowId: string; spec: unknown }[],
  queue: string,
  between: (done: number) => Promise<void>,
): Promise<{ succeeded: number; failed: number }> {
  let succeeded = 0;
  let failed = 0;
  for (let at = 0; at < runs.length; at += CONCURRENCY) {
    await Promise.all(
      runs.slice(at, at + CONCURRENCY).map(async (r) => {
        await startRun(client, r.spec, { taskQueue: queue, workflowId: r.workflowId });
        const outcome = await awaitRun(client, r.workflowId);
        if (outcome.outcome === 'succeeded') succeeded++;
        else failed++;
      }),
    );
    await between(Math.min(at + CONCURRENCY, runs.length));
  }
  return { succeeded, failed };
}

/** The canary's datasets and specs for one pass: every 4th run's task fails with its own error_msg. */
function makeRuns(sim: LocalStack['sim'], prefix: 'sealed' | 'clear', n: number) {
  const runs: { workflowId: string; spec: unknown }[] = [];
  for (let i = 0; i < n; i++) {
    const v = canaryValues(prefix, i);
    const fails = i % 4 === 3;
    sim.createDataset({
      dataset_id: v.datasetId,
      dataset_name: v.name,
      behavior: {
        durationMs: 400,
        progress: 'linear',
        ...(fails && { fail: { error_code: 'ModelArts.4352', error_msg: v.errorMsg } }),
      },
    });
    const tenant = TENANTS[i % TENANTS.length]!;
    runs.push({
      workflowId: `${tenant}~${prefix}-canary-${i}`,
      spec: {
        tenant,
        steps: [{ kind: 'export', datasetId: v.datasetId, request: { path: v.obsPath } }],
        wait: { policy: { minDelayMs: 200, initialDelayMs: 200, maxDelayMs: 1000 } },
      },
    });
  }
  return runs;
}

/** Asks the codec server to decode `payloads` in batches; counts what came back decoded. */
async function decodeCount(url: string, payloads: JsonPayload[], token?: string) {
  let decoded = 0;
  let status = 200;
  for (let at = 0; at < payloads.length; at += 200) {
    const res = await fetch(`${url}/decode`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token && { Authorization: `Bearer ${token}` }) },
      body: JSON.stringify({ payloads: payloads.slice(at, at + 200) }),
    });
    status = res.status;
    if (!res.ok) continue;
    const out = ((await res.json()) as { payloads: JsonPayload[] }).payloads;
    decoded += out.filter((p) => metaText(p, 'encoding') !== 'binary/encrypted').length;
  }
  return { decoded, status };
}

/** Tenant A's token on tenant B's payloads, no token, and each tenant's own: the codec server's one promise. */
async function crossTenantDecode(
  sealedPayloads: JsonPayload[],
  keysFile: string,
  tokensByTenant: Record<string, string>,
): Promise<CrossTenantDecode> {
  const problems: string[] = [];
  const keys = parseSealedKeys(await readFile(keysFile, 'utf8'), problems);
  if (!keys) throw new Error(`demo keys unreadable: ${problems.join('; ')}`);
  const tokens = new Map(Object.entries(tokensByTenant).map(([tenant, token]) => [token, tenant]));
  const server = await startCodecServer({ host: '127.0.0.1', port: 0, keys, tokens });
  try {
    const [a, b] = TENANTS;
    const of = (t: string) => sealedPayloads.filter((p) => tenantOf(p) === t).slice(0, CROSS_TENANT_N);
    const mine = of(a);
    const theirs = of(b);
    const other = await decodeCount(server.url, theirs, tokensByTenant[a]);
    const none = await decodeCount(server.url, theirs);
    const ownA = await decodeCount(server.url, mine, tokensByTenant[a]);
    const ownB = await decodeCount(server.url, theirs, tokensByTenant[b]);
    return {
      otherAsked: theirs.length,
      otherDecoded: other.decoded,
      noTokenAsked: theirs.length,
      noTokenDecoded: none.decoded,
      noTokenStatus: none.status,
      ownAsked: mine.length + theirs.length,
      ownDecoded: ownA.decoded + ownB.decoded,
    };
  } finally {
    await server.close();
  }
}

export async function runSealedPass(
  ctx: ScenarioContext,
  stack: { sim: LocalStack['sim'] },
  common: Record<string, string>,
  dir: string,
  rawClient: Client,
  dbFile: string,
): Promise<SealedPassResult> {
  const { scope, log } = ctx;
  const n = ctx.quick ? SEALED_RUNS.quick : SEALED_RUNS.full;
  const sealedFiles = await ensureDemoSealedFiles(dir, [...TENANTS]);
  const sealedFams = families('sealed');
  const clearFams = families('clear');

  // Spans: one receiver per worker, so each pass's spans are searched apart.
  const receivers = { sealed: await startOtlpReceiver(), clear: await startOtlpReceiver() };
  scope.defer('stop the OTLP receivers', async () => {
    await receivers.sealed.close();
    await receivers.clear.close();
  });
  const traced = (endpoint: string) => ({
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '500',
    OTEL_BSP_MAX_QUEUE_SIZE: '20000',
  });
  const metricsAt = { sealed: `127.0.0.1:${await freePort()}`, clear: `127.0.0.1:${await freePort()}` };
  const logs = { sealed: path.join(dir, 'sealed-worker.log'), clear: path.join(dir, 'clear-worker.log') };
  const start = async (which: 'sealed' | 'clear', env: Record<string, string>): Promise<WorkerProcess> => {
    const worker = await startWorkerProcess(
      {
        ...common,
        ...env,
        LOG_LEVEL: 'info',
        WORKER_METRICS_ADDRESS: metricsAt[which],
        ...traced(receivers[which].endpoint),
      },
      { entry: workerEntry, logFile: logs[which], keepAll: true },
    );
    scope.defer(`stop the ${which} worker`, () => worker.stop());
    return worker;
  };
  const workers = {
    sealed: await start('sealed', { ...sealedFiles.env, TEMPORAL_TASK_QUEUE: QUEUE }),
    clear: await start('clear', { TEMPORAL_TASK_QUEUE: CLEAR_QUEUE }),
  };
  const exporter = await startExporterProcess(
    { ...common, ...sealedFiles.env, LOG_LEVEL: 'info' },
    `127.0.0.1:${await freePort()}`,
    [QUEUE, CLEAR_QUEUE],
  );
  scope.defer('stop the exporter', () => exporter.stop());
  const connected = await connect(temporalConfigFromEnv({ ...common, ...sealedFiles.env }), {
    ...common,
    ...sealedFiles.env,
  });
  scope.defer('close the sealed client', () => connected.close());

  // Metrics, scraped after every batch (waits open: the exporter's tenant series exist) and at the end.
  const scrapes = { sealed: [] as string[], clear: [] as string[], exporter: [] as string[] };
  const scrapeAll = async () => {
    for (const [which, url] of [
      ['sealed', `http://${metricsAt.sealed}/metrics`],
      ['clear', `http://${metricsAt.clear}/metrics`],
      ['exporter', exporter.url],
    ] as const) {
      const text = await scrape(url);
      if (text !== undefined) scrapes[which].push(text);
    }
  };

  const clearRuns = makeRuns(stack.sim, 'clear', CONTROL_RUNS);
  const sealedRuns = makeRuns(stack.sim, 'sealed', n);
  const [control, outcome] = await Promise.all([
    runAll(rawClient, clearRuns, CLEAR_QUEUE, async () => undefined),
    runAll(connected.client, sealedRuns, QUEUE, async (done) => {
      await scrapeAll();
      log(`sealed pass: ${done}/${sealedRuns.length} runs done`);
    }),
  ]);
  await scrapeAll();

  // What the server holds, read without the codec.
  const server = { sealed: await readServer(rawClient, QUEUE), clear: await readServer(rawClient, CLEAR_QUEUE) };
  const crossTenant = await crossTenantDecode(server.sealed.sealed, sealedFiles.keysFile, sealedFiles.tokens);

  // Stopped (SIGTERM): the workers flush their last spans and log lines.
  await exporter.stop();
  await workers.sealed.stop();
  await workers.clear.stop();

  const rows: PlaceRow[] = [];
  const leaks: string[] = [];
  const textRow = (place: string, text: string, controlText: string | undefined, note: string) => {
    const counts = countFamilies(text, sealedFams);
    for (const f of sealedFams) {
      const m = new RegExp(f.pattern.source, 'i').exec(text);
      if (m && leaks.length < 8)
        leaks.push(
          `${f.kind} in ${place}: …${text.slice(Math.max(0, m.index - 160), m.index + 60).replace(/\s+/g, ' ')}…`,
        );
    }
    rows.push({
      place,
      bytes: Buffer.byteLength(text, 'latin1'),
      counts,
      ...(controlText !== undefined && { control: sum(countFamilies(controlText, clearFams)) }),
      note,
    });
  };
  const sealedPayloads = server.sealed.sealed.length;
  textRow(
    `histories, memos, user metadata, failures (API, raw; ${server.sealed.executions} executions)`,
    server.sealed.held,
    server.clear.held,
    `${sealedPayloads} sealed payloads`,
  );
  textRow(
    'search attribute values (API)',
    server.sealed.attributes,
    server.clear.attributes,
    `${(server.sealed.attributes.match(/h2:/g) ?? []).length} keyed hashes`,
  );
  for (const { file } of await databaseFiles(dbFile)) {
    const scanned = await scanFile(file, sealedFams);
    const controlScan = await scanFile(file, clearFams);
    rows.push({
      place: `server database file ${path.basename(file)}`,
      bytes: scanned.bytes,
      counts: scanned.counts,
      control: sum(controlScan.counts),
      note: 'whole file, bytes as they are',
    });
    for (const f of sealedFams)
      if ((scanned.counts.get(f.kind) ?? 0) > 0 && leaks.length < 8) leaks.push(`${f.kind} in ${path.basename(file)}`);
  }
  // Spans: the whole bodies (every attribute, name, event and status text, JSON as posted), tallied for the note.
  const spans = { sealed: receivers.sealed.tally(), clear: receivers.clear.tally() };
  textRow(
    'span names and attributes (OTLP/HTTP bodies)',
    receivers.sealed.bodies.join('\n'),
    receivers.clear.bodies.join('\n'),
    `${spans.sealed.spans} spans, ${spans.sealed.attributes} attribute values`,
  );
  const labels = {
    sealed: [...scrapes.sealed, ...scrapes.exporter].flatMap(labelValues),
    clear: scrapes.clear.flatMap(labelValues),
  };
  const tenantLabels = labels.sealed.filter((v) => (TENANTS as readonly string[]).includes(v)).length;
  textRow(
    `metric labels (worker and exporter /metrics, ${scrapes.sealed.length + scrapes.exporter.length} scrapes)`,
    [...scrapes.sealed, ...scrapes.exporter].join('\n'),
    undefined,
    `${labels.sealed.length} label values, ${tenantLabels} of them a tenant`,
  );
  const logText = { sealed: await readFile(logs.sealed, 'latin1'), clear: await readFile(logs.clear, 'latin1') };
  const lines = logText.sealed.split('\n').filter((l) => l.trim() !== '');
  textRow(
    'worker logs (LOG_LEVEL=info, JSON lines)',
    logText.sealed,
    logText.clear,
    `${lines.length} lines, ${lines.filter((l) => l.includes('"level":30')).length} at info`,
  );
  const dropped = [...scrapes.sealed.slice(-1), ...scrapes.clear.slice(-1)]
    .flatMap((t) => [...t.matchAll(/^modelarts_spans_dropped\S*\s+(\d+)/gm)])
    .reduce((a, m) => a + Number(m[1]), 0);
  return {
    runs: sealedRuns.length,
    succeeded: outcome.succeeded,
    failed: outcome.failed,
    controlRuns: clearRuns.length,
    controlFailed: control.failed,
    rows,
    occurrences: rows.reduce((a, r) => a + sum(r.counts), 0),
    leaks,
    sealedPayloads,
    crossTenant,
    spansDropped: dropped,
  };
}
