/**
 * What the Temporal server says about a fleet's task queues: live pollers per queue and kind (DescribeTaskQueue),
 * and whether the reads budget is paused (src/client/budget.ts). One read per queue per scan, shared by every wait.
 */
import type { Client } from '@temporalio/client';
import { BUDGET_CLASSES, budgetQueueName } from '../budget/classes.js';
import { describeBudget } from '../client/budget.js';
import { livePollerCount } from './classify.js';

// temporal.api.enums.v1.TaskQueueType
const QUEUE_TYPES = { workflow: 1, activity: 2 } as const;
export type PollerKind = keyof typeof QUEUE_TYPES;

export interface QueuePollers {
  taskQueue: string;
  kind: PollerKind;
  /** Pollers the server saw within POLLER_LIVE_MS. */
  live: number;
}

export interface QueueFacts {
  /** The workflows' task queue. */
  taskQueue: string;
  readsQueue: string;
  /** Live pollers of each kind on the workflow queue and on each budget queue. */
  pollers: QueuePollers[];
  readsPaused: boolean;
}

type Timestamp = { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined;
const toMs = (ts: Timestamp): number | undefined => {
  if (!ts?.seconds) return undefined;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds.toNumber();
  return seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
};

async function livePollers(client: Client, taskQueue: string, kind: PollerKind, nowMs: number): Promise<number> {
  const d = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: QUEUE_TYPES[kind],
  });
  return livePollerCount(
    (d.pollers ?? []).map((p) => toMs(p.lastAccessTime as Timestamp)),
    nowMs,
  );
}

export async function describeQueues(client: Client, taskQueue: string, nowMs = Date.now()): Promise<QueueFacts> {
  const queues = [taskQueue, ...BUDGET_CLASSES.map((c) => budgetQueueName(taskQueue, c))];
  const pollers = await Promise.all(
    queues.flatMap((q) =>
      (Object.keys(QUEUE_TYPES) as PollerKind[]).map(async (kind) => ({
        taskQueue: q,
        kind,
        live: await livePollers(client, q, kind, nowMs),
      })),
    ),
  );
  const [reads] = await describeBudget(
    { connection: client.connection, namespace: client.options.namespace, taskQueue },
    'reads',
  );
  return { taskQueue, readsQueue: budgetQueueName(taskQueue, 'reads'), pollers, readsPaused: reads?.paused ?? false };
}

export function pollersOf(facts: QueueFacts, taskQueue: string, kind: PollerKind): number {
  return facts.pollers.find((p) => p.taskQueue === taskQueue && p.kind === kind)?.live ?? 0;
}
