/**
 * The secrets canary's sealed pass (issue #22): N runs in sealed mode (a sealed worker and a sealed client, demo
 * keys), some succeeding and some whose task FAILS with an error_msg of its own, then every place the Temporal
 * server holds is read RAW (no codec): histories, memos, user metadata (static summaries and details) and failures
 * (in the histories), searched for every dataset id, OBS path, dataset name and error_msg. Expected: 0. Search
 * attributes still carry dataset ids in clear until keyed hashes land (another part of #22): counted and reported
 * separately, not a failure.
 */
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { Client } from '@temporalio/client';
import { connect } from '../client/connect.js';
import { awaitRun, startRun } from '../client/runs.js';
import { temporalConfigFromEnv } from '../config.js';
import { workerEntry } from '../local/paths.js';
import type { LocalStack } from '../local/stack.js';
import { startWorkerProcess } from '../local/worker-process.js';
import { ensureDemoSealedFiles } from '../sealed/demo-files.js';
import type { ScenarioContext } from './scenario.js';

export const SEALED_RUNS = { quick: 20, full: 1000 };
const QUEUE = 'q-sealed';
/** Runs started at once: enough to overlap, few enough for a shared 2-core machine. */
const CONCURRENCY = 25;

export interface SealedPassResult {
  runs: number;
  succeeded: number;
  failed: number;
  bytesSearched: number;
  /** Needle → occurrences in what the server holds (histories, memos, user metadata, failures). */
  occurrences: number;
  /** The first few leaks, with context. */
  leaks: string[];
  /** Dataset ids found in search attribute values (in clear until keyed hashes land). */
  searchAttributeOccurrences: number;
  /** Sealed payloads seen (`binary/encrypted`): proves the search read real payloads. */
  sealedPayloads: number;
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

/** Every base64 `data` / metadata value of a JSON tree, decoded (so clear payloads are searched as text). */
function decodedBase64(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => decodedBase64(n, out));
  else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (record.metadata && typeof record.metadata === 'object') {
      if (typeof record.data === 'string') out.push(Buffer.from(record.data, 'base64').toString('latin1'));
      for (const v of Object.values(record.metadata as Record<string, unknown>))
        if (typeof v === 'string') out.push(Buffer.from(v, 'base64').toString('latin1'));
    }
    for (const value of Object.values(record)) decodedBase64(value, out);
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

const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

export async function runSealedPass(
  ctx: ScenarioContext,
  stack: { sim: LocalStack['sim'] },
  common: Record<string, string>,
  dir: string,
  rawClient: Client,
): Promise<SealedPassResult> {
  const { scope, log } = ctx;
  const n = ctx.quick ? SEALED_RUNS.quick : SEALED_RUNS.full;
  const sealed = await ensureDemoSealedFiles(dir);
  const env = { ...common, ...sealed.env, TEMPORAL_TASK_QUEUE: QUEUE, LOG_LEVEL: 'info' };
  const worker = await startWorkerProcess(env, { entry: workerEntry });
  scope.defer('stop the sealed worker', () => worker.stop());
  const connected = await connect(temporalConfigFromEnv(env), env);
  scope.defer('close the sealed client', () => connected.close());
  const client = connected.client;

  // Every value that must not reach the server in clear, by run.
  const needles = new Set<string>();
  const runs: { workflowId: string; fails: boolean; spec: unknown }[] = [];
  for (let i = 0; i < n; i++) {
    const fails = i % 4 === 3;
    const name = `sealed-canary-name-${i}-q7`;
    const errorMsg = `sealed-canary-errmsg-${i}: OBS bucket sealed-canary-bucket-${i} refused the write`;
    const dataset = stack.sim.createDataset({
      dataset_name: name,
      behavior: {
        durationMs: 400,
        progress: 'linear',
        ...(fails && { fail: { error_code: 'ModelArts.4352', error_msg: errorMsg } }),
      },
    });
    const obsPath = `/sealed-canary-bucket-${i}/customer-${i}/out/`;
    for (const needle of [dataset.dataset_id, obsPath, `sealed-canary-bucket-${i}/`, name]) needles.add(needle);
    if (fails) needles.add(`sealed-canary-errmsg-${i}`);
    runs.push({
      workflowId: `sealed-canary-${i}`,
      fails,
      spec: {
        steps: [{ kind: 'export', datasetId: dataset.dataset_id, request: { path: obsPath } }],
        wait: { policy: { minDelayMs: 200, initialDelayMs: 200, maxDelayMs: 1000 } },
      },
    });
  }
  let succeeded = 0;
  let failed = 0;
  for (let at = 0; at < runs.length; at += CONCURRENCY) {
    await Promise.all(
      runs.slice(at, at + CONCURRENCY).map(async (r) => {
        await startRun(client, r.spec, { taskQueue: QUEUE, workflowId: r.workflowId });
        const outcome = await awaitRun(client, r.workflowId);
        if (outcome.outcome === 'succeeded') succeeded++;
        else failed++;
      }),
    );
    log(`sealed pass: ${Math.min(at + CONCURRENCY, runs.length)}/${runs.length} runs done`);
  }

  // What the server holds, read without the codec.
  const held: string[] = [];
  const attributes: string[] = [];
  for await (const w of rawClient.workflow.list({ query: `TaskQueue = "${QUEUE}"` })) {
    const handle = rawClient.workflow.getHandle(w.workflowId, w.runId);
    const history = historyToJSON(await handle.fetchHistory());
    const description = await rawClient.workflowService.describeWorkflowExecution({
      namespace: rawClient.options.namespace,
      execution: { workflowId: w.workflowId, runId: w.runId },
    });
    // The history (payloads, failures, user metadata) and the description (memo, summary, details, pending
    // failures), raw; their search attributes apart.
    for (const tree of [JSON.parse(history) as unknown, JSON.parse(rawJson(description)) as unknown]) {
      attributes.push(...takeSearchAttributes(tree));
      held.push(JSON.stringify(tree), ...decodedBase64(tree));
    }
  }
  const text = held.join('\n');
  const attributeText = attributes.join('\n');
  let total = 0;
  let inAttributes = 0;
  const leaks: string[] = [];
  for (const needle of needles) {
    const found = occurrences(text, needle);
    total += found;
    if (found > 0 && leaks.length < 5) {
      const at = text.indexOf(needle);
      leaks.push(`"${needle}" ×${found}: …${text.slice(Math.max(0, at - 120), at + 60).replace(/\s+/g, ' ')}…`);
    }
    inAttributes += occurrences(attributeText, needle);
  }
  return {
    runs: runs.length,
    succeeded,
    failed,
    bytesSearched: Buffer.byteLength(text),
    occurrences: total,
    leaks,
    searchAttributeOccurrences: inAttributes,
    sealedPayloads: occurrences(text, 'binary/encrypted'),
  };
}
