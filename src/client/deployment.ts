/**
 * Library API for rolling out worker versions (Temporal Worker Deployment Versioning): describe a deployment,
 * ramp, promote, roll back, and wake the waits still pinned to a version so they move at once instead of at their
 * next planned read (which a progress estimate may put an hour away). The CLI's `deploy` commands are thin over it.
 * The deployment API is marked experimental in the 1.24 client, so this goes through the raw workflow service.
 */
import type { Client } from '@temporalio/client';
import { moveToCurrentVersionSignal } from '../workflows/definitions.js';
import { queryString } from '../contract/visibility.js';

export interface VersionSummary {
  buildId: string;
  /** INACTIVE, CURRENT, RAMPING, DRAINING or DRAINED (the server's words, without their prefix). */
  status: string;
  createdAt?: Date;
  /** When it last stopped being current or ramping: the most recent one is what a rollback returns to. */
  lastDeactivatedAt?: Date;
}

export interface DeploymentState {
  deploymentName: string;
  /** False while a routing change (promote, ramp, rollback) is still reaching the task queues' partitions. */
  routingPropagated: boolean;
  current?: string;
  ramping?: { buildId: string; percentage: number };
  /** Newest first. */
  versions: VersionSummary[];
}

type Timestamp = { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined;

function toDate(ts: Timestamp): Date | undefined {
  if (!ts?.seconds) return undefined;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds.toNumber();
  return new Date(seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6));
}

const STATUS_PREFIX = 'WORKER_DEPLOYMENT_VERSION_STATUS_';
// Numbers of temporal.api.enums.v1.WorkerDeploymentVersionStatus.
const STATUS_NAMES = ['UNSPECIFIED', 'INACTIVE', 'CURRENT', 'RAMPING', 'DRAINING', 'DRAINED'];

function statusName(status: unknown): string {
  if (typeof status === 'number') return STATUS_NAMES[status] ?? String(status);
  return String(status).replace(STATUS_PREFIX, '');
}

/** A deployment with no versions yet (no versioned worker has polled) is reported as such, not as an error. */
export class DeploymentNotFoundError extends Error {
  constructor(readonly deploymentName: string) {
    super(
      `worker deployment ${deploymentName} not found: no versioned worker has polled yet ` +
        '(start workers with MODELARTS_DEPLOYMENT_NAME set)',
    );
    this.name = 'DeploymentNotFoundError';
  }
}

export async function describeDeployment(client: Client, deploymentName: string): Promise<DeploymentState> {
  let info;
  try {
    ({ workerDeploymentInfo: info } = await client.workflowService.describeWorkerDeployment({
      namespace: client.options.namespace,
      deploymentName,
    }));
  } catch (err) {
    if ((err as { code?: number }).code === 5) throw new DeploymentNotFoundError(deploymentName); // NOT_FOUND
    throw err;
  }
  const routing = info?.routingConfig;
  const versions = (info?.versionSummaries ?? [])
    .map((v) => ({
      buildId: v.deploymentVersion?.buildId ?? '',
      status: statusName(v.status),
      createdAt: toDate(v.createTime as Timestamp),
      lastDeactivatedAt: toDate(v.lastDeactivationTime as Timestamp),
    }))
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
  const ramping = routing?.rampingDeploymentVersion?.buildId;
  return {
    deploymentName,
    // 1 = ROUTING_CONFIG_UPDATE_STATE_IN_PROGRESS (older servers leave it unspecified: treat as done).
    routingPropagated: Number(info?.routingConfigUpdateState ?? 0) !== 1,
    current: routing?.currentDeploymentVersion?.buildId || undefined,
    ramping: ramping ? { buildId: ramping, percentage: routing?.rampingVersionPercentage ?? 0 } : undefined,
    versions,
  };
}

function requireVersion(state: DeploymentState, buildId: string): void {
  if (!state.versions.some((v) => v.buildId === buildId))
    throw new Error(
      `build id ${buildId} is not a version of deployment ${state.deploymentName} ` +
        `(known: ${state.versions.map((v) => v.buildId).join(', ') || 'none'}); start its workers first`,
    );
}

/** The newest version that is not current: what `ramp` and `promote` act on when no build id is given. */
export function newestCandidate(state: DeploymentState): string | undefined {
  return state.versions.find((v) => v.buildId !== state.current)?.buildId;
}

/** The version that was current most recently before the current one: what `rollback` returns to. */
export function previousVersion(state: DeploymentState): string | undefined {
  return state.versions
    .filter((v) => v.buildId !== state.current && v.lastDeactivatedAt)
    .sort((a, b) => b.lastDeactivatedAt!.getTime() - a.lastDeactivatedAt!.getTime())[0]?.buildId;
}

export interface RoutingChange {
  deploymentName: string;
  from?: string;
  to: string;
}

/**
 * A new version's workers register their task queues one poller at a time (workflow, then activity), and the server
 * refuses to route to a version that lacks a queue the current one has. Just after its workers start, retry that
 * refusal for a while instead of failing the rollout.
 */
async function whileQueuesRegister<T>(fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      const e = err as { code?: number; message?: string };
      // 9 = FAILED_PRECONDITION
      if (e.code !== 9 || !/missing active task queues/i.test(e.message ?? '') || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

async function setCurrent(client: Client, state: DeploymentState, buildId: string): Promise<RoutingChange> {
  requireVersion(state, buildId);
  await whileQueuesRegister(() =>
    client.workflowService.setWorkerDeploymentCurrentVersion({
      namespace: client.options.namespace,
      deploymentName: state.deploymentName,
      buildId,
      identity: client.options.identity,
    }),
  );
  return { deploymentName: state.deploymentName, from: state.current, to: buildId };
}

async function setRamping(client: Client, state: DeploymentState, buildId: string, percentage: number) {
  await whileQueuesRegister(() =>
    client.workflowService.setWorkerDeploymentRampingVersion({
      namespace: client.options.namespace,
      deploymentName: state.deploymentName,
      buildId,
      percentage,
      identity: client.options.identity,
    }),
  );
}

/** Makes `buildId` (default: the newest version that is not current) the current version; new runs start there. */
export async function promote(client: Client, deploymentName: string, buildId?: string): Promise<RoutingChange> {
  const state = await describeDeployment(client, deploymentName);
  const target = buildId ?? newestCandidate(state);
  if (!target) throw new Error(`deployment ${deploymentName} has no version other than the current one to promote`);
  return setCurrent(client, state, target);
}

/** Sends `percentage` % of new runs (and of auto-upgrade tasks) to `buildId` (default: the newest non-current). */
export async function ramp(
  client: Client,
  deploymentName: string,
  percentage: number,
  buildId?: string,
): Promise<RoutingChange & { percentage: number }> {
  const state = await describeDeployment(client, deploymentName);
  const target = buildId ?? newestCandidate(state);
  if (!target) throw new Error(`deployment ${deploymentName} has no version other than the current one to ramp`);
  requireVersion(state, target);
  await setRamping(client, state, target, percentage);
  return { deploymentName, from: state.current, to: target, percentage };
}

/**
 * Makes the previous current version (or `buildId`) current again and ends any ramp. Runs that had moved to the
 * version rolled back from are pinned there; they move back at their next wake (so keep that version's workers
 * until it has drained, and wake its waits), never replaying on code they did not start on.
 */
export async function rollback(client: Client, deploymentName: string, buildId?: string): Promise<RoutingChange> {
  const state = await describeDeployment(client, deploymentName);
  const target = buildId ?? previousVersion(state);
  if (!target) throw new Error(`deployment ${deploymentName} has no previous version to roll back to`);
  if (state.ramping) await setRamping(client, state, '', 0);
  return setCurrent(client, state, target);
}

/** Visibility's name for a deployment version ("deployment:buildId"). */
export function versionKey(deploymentName: string, buildId: string): string {
  return `${deploymentName}:${buildId}`;
}

/** The running workflows pinned to a version, as visibility lists them. */
export function pinnedQuery(deploymentName: string, buildId: string): string {
  return (
    `TemporalWorkerDeploymentVersion = ${queryString(versionKey(deploymentName, buildId))} ` +
    `AND TemporalWorkflowVersioningBehavior = 'Pinned' AND ExecutionStatus = 'Running'`
  );
}

/** How many running workflows are still pinned to the version: 0 means its workers can be stopped. */
export async function countPinned(client: Client, deploymentName: string, buildId: string): Promise<number> {
  const { count } = await client.workflow.count(pinnedQuery(deploymentName, buildId));
  return count;
}

/**
 * Wakes every wait pinned to the version with the `moveToCurrentVersion` signal: the step continues-as-new onto
 * the deployment's current version at once, without a (budgeted) status read first. Returns how many it woke.
 */
export async function wakePinned(
  client: Client,
  deploymentName: string,
  buildId: string,
  { concurrency = 32 }: { concurrency?: number } = {},
): Promise<number> {
  const ids: { workflowId: string; runId: string }[] = [];
  for await (const run of client.workflow.list({ query: pinnedQuery(deploymentName, buildId) }))
    ids.push({ workflowId: run.workflowId, runId: run.runId });
  let next = 0;
  let woken = 0;
  const lane = async () => {
    while (next < ids.length) {
      const { workflowId, runId } = ids[next++]!;
      try {
        await client.workflow.getHandle(workflowId, runId).signal(moveToCurrentVersionSignal);
        woken += 1;
      } catch (err) {
        // A run that ended (or continued-as-new) since the listing needs no wake.
        if ((err as Error).name !== 'WorkflowNotFoundError') throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, lane));
  return woken;
}

export interface DrainOptions {
  /** Give up after this long (default 10 min); the version is then reported with what is still pinned to it. */
  timeoutMs?: number;
  /** Wake what is still pinned again after this long (default 10 s): a wake that raced the routing change is lost. */
  rewakeMs?: number;
  /**
   * How long to wait for the routing change to reach the task queues before waking anyway (default 15 s). The
   * server can leave the propagation state in progress for good (temporalio/temporal#11842) while routing works;
   * a wake that lands before the change only puts the run back on this version, and the re-wake moves it.
   */
  propagationWaitMs?: number;
  /** Called with the number still pinned after each count (progress output). */
  onProgress?: (pinned: number, elapsedMs: number) => void;
}

export interface DrainResult {
  drained: boolean;
  /** Still pinned at the end (0 when drained). */
  pinned: number;
  elapsedMs: number;
  /** Wake signals sent in all. */
  woken: number;
  /** Whether the server reported the routing change propagated before the first wake. */
  routingPropagated: boolean;
  /** When the first wake was sent (after the wait for propagation), from the start of the drain. */
  firstWakeMs?: number;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Moves every wait off a version that is no longer current: waits (a bounded time) until the routing change has
 * propagated, then wakes what is pinned there, again every `rewakeMs`, until nothing running is pinned to it (its
 * workers can then stop) or the timeout passes. Visibility lags by a moment, so "drained" is a count of 0 seen
 * twice in a row.
 */
export async function drainVersion(
  client: Client,
  deploymentName: string,
  buildId: string,
  { timeoutMs = 10 * 60_000, rewakeMs = 10_000, propagationWaitMs = 15_000, onProgress }: DrainOptions = {},
): Promise<DrainResult> {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  let routingPropagated = false;
  for (;;) {
    const state = await describeDeployment(client, deploymentName);
    if (state.current === buildId) throw new Error(`version ${buildId} is current; promote another version first`);
    routingPropagated = state.routingPropagated;
    if (routingPropagated || elapsed() > Math.min(propagationWaitMs, timeoutMs)) break;
    await pause(500);
  }
  let woken = 0;
  let firstWakeMs: number | undefined;
  let lastWake = -Infinity;
  let zeros = 0;
  for (;;) {
    const pinned = await countPinned(client, deploymentName, buildId);
    onProgress?.(pinned, elapsed());
    zeros = pinned === 0 ? zeros + 1 : 0;
    const result = { pinned, elapsedMs: elapsed(), woken, routingPropagated, firstWakeMs };
    if (zeros >= 2) return { ...result, drained: true };
    if (elapsed() > timeoutMs) return { ...result, drained: false };
    if (pinned > 0 && elapsed() - lastWake >= rewakeMs) {
      lastWake = elapsed();
      firstWakeMs ??= lastWake;
      woken += await wakePinned(client, deploymentName, buildId);
    }
    await pause(1000);
  }
}
