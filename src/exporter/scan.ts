/**
 * One scan of the fleet for the exporter: the open and overdue waits of each watched task queue (one visibility
 * listing each), their queues' pollers, and, when versioning is on, the runs still pinned to old versions.
 */
import type { Client } from '@temporalio/client';
import { countPinned, describeDeployment, DeploymentNotFoundError } from '../client/deployment.js';
import type { DrainPending, Scan } from './metrics.js';
import { listWaits, openWaitsQuery, overdueAmong } from './overdue.js';
import { describeQueues } from './queues.js';

export interface ScanTarget {
  client: Client;
  taskQueues: readonly string[];
  /** The worker deployment (MODELARTS_DEPLOYMENT_NAME); absent when versioning is off. */
  deploymentName?: string;
}

/** Versions a drain still waits for: neither current nor ramping, and not yet reported drained. */
const PENDING = new Set(['DRAINING', 'INACTIVE']);

async function drainPending(client: Client, deploymentName: string): Promise<DrainPending[]> {
  let state;
  try {
    state = await describeDeployment(client, deploymentName);
  } catch (err) {
    if (err instanceof DeploymentNotFoundError) return [];
    throw err;
  }
  const versions = state.versions.filter(
    (v) => v.buildId !== state.current && v.buildId !== state.ramping?.buildId && PENDING.has(v.status),
  );
  return Promise.all(
    versions.map(async (v) => ({
      deployment: deploymentName,
      buildId: v.buildId,
      runs: await countPinned(client, deploymentName, v.buildId),
    })),
  );
}

export async function scanFleet(target: ScanTarget, now = new Date()): Promise<Scan> {
  const perQueue = await Promise.all(
    target.taskQueues.map(async (taskQueue) => {
      const [open, facts] = await Promise.all([
        listWaits(target.client, openWaitsQuery(taskQueue)),
        describeQueues(target.client, taskQueue, now.getTime()),
      ]);
      return { open, overdue: overdueAmong(open, facts, now), pollers: facts.pollers };
    }),
  );
  return {
    open: perQueue.flatMap((q) => q.open),
    overdue: perQueue.flatMap((q) => q.overdue),
    pollers: perQueue.flatMap((q) => q.pollers),
    ...(target.deploymentName ? { drain: await drainPending(target.client, target.deploymentName) } : {}),
    atMs: now.getTime(),
  };
}
