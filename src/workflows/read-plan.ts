/**
 * The wait's read plan in search attributes, for the overdue detector (src/exporter/): when the next read is due
 * (`ModelArtsNextReadAt`), when it is overdue (`ModelArtsOverdueAt`), since when reads fail
 * (`ModelArtsReadsFailingSince`), and the tenant (`ModelArtsTenant`, once). Each upsert is one history event, so
 * it is only made when the plan moves: at the first read's plan, after each sound read (in the same workflow task as
 * the timer), once when reads start failing, and once at the end. A failed read leaves the plan where it was, so a
 * wait whose reads all fail becomes overdue. The attributes carry over continue-as-new (the SDK copies them into
 * the command; see test/histories/*.previous-*.json). Behind a patch: histories recorded before it replay unchanged.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { overdueAtMs } from '../contract/overdue.js';
import { NextReadAtKey, OverdueAtKey, ReadsFailingSinceKey, TenantKey } from './search-attributes.js';

export const READ_PLAN_PATCH = 'read-plan-search-attributes';

export class ReadPlan {
  /** Whether this run records its plan (decided once, at the first upsert it would make). */
  private enabled: boolean | undefined;

  constructor(private readonly tenant: string) {}

  /** Whether this run records its plan (so it may also be bounded by history length: checkpoint in wait.ts). */
  get recording(): boolean {
    return this.enabled === true;
  }

  private on(): boolean {
    this.enabled ??= patched(READ_PLAN_PATCH);
    return this.enabled;
  }

  private upsert(pairs: SearchAttributeUpdatePair[]): void {
    if (pairs.length > 0 && this.on()) upsertSearchAttributes(pairs);
  }

  /** The next read is planned `delayMs` from now (0: the read about to be made); clears a failing mark. */
  planned(delayMs: number): void {
    const now = Date.now();
    const attributes = workflowInfo().typedSearchAttributes;
    const pairs: SearchAttributeUpdatePair[] = [
      { key: NextReadAtKey, value: new Date(now + delayMs) },
      { key: OverdueAtKey, value: new Date(overdueAtMs(now + delayMs, delayMs)) },
    ];
    if (attributes.get(TenantKey) === undefined) pairs.push({ key: TenantKey, value: this.tenant });
    if (attributes.get(ReadsFailingSinceKey) !== undefined) pairs.push({ key: ReadsFailingSinceKey, value: null });
    this.upsert(pairs);
  }

  /** Reads fail (since `sinceMs`): marked once, at the transition; the plan stays where it was. */
  failing(sinceMs: number): void {
    if (workflowInfo().typedSearchAttributes.get(ReadsFailingSinceKey) !== undefined) return;
    this.upsert([{ key: ReadsFailingSinceKey, value: new Date(sinceMs) }]);
  }

  /** The wait is over: nothing is planned any more (a step may go on resolving a dataset, say). */
  ended(): void {
    const attributes = workflowInfo().typedSearchAttributes;
    const keys = [NextReadAtKey, OverdueAtKey, ReadsFailingSinceKey].filter((k) => attributes.get(k) !== undefined);
    this.upsert(keys.map((key) => ({ key, value: null })));
  }
}
