/**
 * Overdue waits, from visibility alone (it works with every worker down): a wait records when its next read is due
 * and when that read is overdue (src/workflows/read-plan.ts); a running step whose `ModelArtsOverdueAt` has passed
 * is overdue. Each is named with the likely cause, from the server's view of its queues (classify.ts).
 */
import { Client, type DataConverter, type WorkflowExecutionInfo } from '@temporalio/client';
import { DEFAULT_TENANT } from '../budget/classes.js';
import { queryString } from '../contract/visibility.js';
import {
  NextReadAtKey,
  OverdueAtKey,
  ReadsFailingSinceKey,
  TaskIdKey,
  TenantKey,
  DatasetIdKey,
} from '../workflows/search-attributes.js';
import { classifyOverdue, type OverdueReason } from './classify.js';
import { describeQueues, pollersOf, type QueueFacts } from './queues.js';

/** Options that cannot be used, named with what is allowed. */
export class OverdueOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OverdueOptionsError';
  }
}

export interface OverdueOptions {
  /** The workflows' task queue (TEMPORAL_TASK_QUEUE); its budget queues are named after it. */
  taskQueue: string;
  /** Defaults to the client's namespace. */
  namespace?: string;
  /** The time to compare with (default: now). */
  now?: Date;
}

/** A running wait with a read plan (src/workflows/read-plan.ts). */
export interface OpenWait {
  workflowId: string;
  runId: string;
  taskQueue: string;
  /** The step's number in its run (1-based), when its id says (`<run>.step-N`). */
  step?: number;
  /** The task kind the step waits on: export, intelligent, import or version. */
  taskKind: string;
  taskId?: string;
  datasetId?: string;
  tenant: string;
  nextReadAt?: Date;
  overdueAt: Date;
  readsFailingSince?: Date;
}

export interface OverdueWait extends OpenWait {
  /** When the read was due (`ModelArtsNextReadAt`). */
  dueAt: Date;
  /** How late the read is, at `now`. */
  lateByMs: number;
  reason: OverdueReason;
}

const TASK_KINDS: Record<string, string> = {
  exportStep: 'export',
  intelligentTaskStep: 'intelligent',
  importStep: 'import',
  publishVersionStep: 'version',
};

/** Visibility wants RFC 3339 times in quotes. */
const at = (date: Date) => queryString(date.toISOString());

/** The running waits of a task queue with a plan; `overdueBefore`: only those overdue at that time. */
export function openWaitsQuery(taskQueue: string, overdueBefore?: Date): string {
  const plan = overdueBefore
    ? `${OverdueAtKey.name} < ${at(overdueBefore)}`
    : `${OverdueAtKey.name} >= ${at(new Date(0))}`;
  return `TaskQueue = ${queryString(taskQueue)} AND ExecutionStatus = 'Running' AND ${plan}`;
}

function openWaitOf(info: WorkflowExecutionInfo): OpenWait | undefined {
  const sa = info.typedSearchAttributes;
  const overdueAt = sa.get(OverdueAtKey);
  if (!overdueAt) return undefined;
  const step = /\.step-(\d+)$/.exec(info.workflowId)?.[1];
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    taskQueue: info.taskQueue,
    ...(step ? { step: Number(step) } : {}),
    taskKind: TASK_KINDS[info.type] ?? info.type,
    taskId: sa.get(TaskIdKey),
    datasetId: sa.get(DatasetIdKey),
    tenant: sa.get(TenantKey) ?? DEFAULT_TENANT,
    nextReadAt: sa.get(NextReadAtKey),
    overdueAt,
    readsFailingSince: sa.get(ReadsFailingSinceKey),
  };
}

export async function listWaits(client: Client, query: string): Promise<OpenWait[]> {
  const waits: OpenWait[] = [];
  for await (const info of client.workflow.list({ query })) {
    const wait = openWaitOf(info);
    if (wait) waits.push(wait);
  }
  return waits;
}

/** The overdue ones among `waits` at `now`, each with its cause. */
export function overdueAmong(waits: readonly OpenWait[], facts: QueueFacts, now: Date): OverdueWait[] {
  return waits
    .filter((w) => w.overdueAt.getTime() < now.getTime())
    .map((w) => {
      const dueAt = w.nextReadAt ?? w.overdueAt;
      return {
        ...w,
        dueAt,
        lateByMs: Math.max(0, now.getTime() - dueAt.getTime()),
        reason: classifyOverdue({
          workflowPollers: pollersOf(facts, facts.taskQueue, 'workflow'),
          readPollers: pollersOf(facts, facts.readsQueue, 'activity'),
          readsPaused: facts.readsPaused,
          readsFailing: w.readsFailingSince !== undefined,
        }),
      };
    })
    .sort((a, b) => b.lateByMs - a.lateByMs);
}

/**
 * The running waits on `taskQueue` whose planned read is overdue (late by more than max(2 × its planned delay,
 * 60 s)), most late first, each naming its run, step, task, tenant, due time, lateness and likely cause.
 */
export async function listOverdueWaits(client: Client, options: OverdueOptions): Promise<OverdueWait[]> {
  checkOptions(options);
  const scoped = withNamespace(client, options.namespace);
  const now = options.now ?? new Date();
  const waits = await listWaits(scoped, openWaitsQuery(options.taskQueue, now));
  if (waits.length === 0) return [];
  return overdueAmong(waits, await describeQueues(scoped, options.taskQueue, now.getTime()), now);
}

function checkOptions(options: OverdueOptions | undefined): void {
  const name = 'listOverdueWaits';
  if (typeof options?.taskQueue !== 'string' || options.taskQueue.trim() === '')
    throw new OverdueOptionsError(`${name}: taskQueue must be the workflows' task queue name, a non-empty string`);
  if (options.now !== undefined && !(options.now instanceof Date && Number.isFinite(options.now.getTime())))
    throw new OverdueOptionsError(`${name}: now must be a valid Date, or left out (the current time)`);
  if (options.namespace !== undefined && (typeof options.namespace !== 'string' || options.namespace.trim() === ''))
    throw new OverdueOptionsError(`${name}: namespace must be a non-empty string, or left out (the client's)`);
}

/** The client itself, or one on the same connection for another namespace. */
export function withNamespace(client: Client, namespace: string | undefined): Client {
  if (namespace === undefined || namespace === client.options.namespace) return client;
  // Same data converter: a sealed client's twin reads what it reads.
  return new Client({
    connection: client.connection,
    namespace,
    dataConverter: client.options.loadedDataConverter as unknown as DataConverter,
  });
}
