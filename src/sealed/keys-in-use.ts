/**
 * Which sealed keys open runs still need, so an old key is retired only when none does. Reads the open runs'
 * histories raw (no codec, so no key is needed to ask): every payload names its tenant and key id in its clear
 * header (src/sealed/codec.ts), and keyed search values name theirs (src/sealed/search-hash.ts). A run needs a
 * key to replay (payloads) and to be found by `list --dataset` (search values).
 */
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { sealedBy } from './codec.js';
import { searchHashKeyId } from './search-hash.js';
import { tenantOfWorkflowId } from './tenant.js';
import { DatasetIdKey, TaskIdKey } from '../workflows/search-attributes.js';

export interface KeyInUse {
  tenant: string;
  keyId: string;
  /** How many open runs (pipelines and steps) need it. */
  openRuns: number;
  /** What of theirs needs it: `payloads` (to decode their history) and/or `search` (keyed search values). */
  uses: ('payloads' | 'search')[];
  /** A few of those runs' workflow ids. */
  examples: string[];
}

/** Every `tenant\0keyId` the payloads under `value` name (a raw history, an event: protobuf objects). */
export function payloadKeys(value: unknown, out = new Set<string>(), seen = new Set<unknown>()): Set<string> {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array || seen.has(value)) return out;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const v of value) payloadKeys(v, out, seen);
    return out;
  }
  const by = 'metadata' in value ? sealedBy(value as Payload) : undefined;
  if (by) out.add(`${by.tenant}\0${by.keyId}`);
  for (const v of Object.values(value)) payloadKeys(v, out, seen);
  return out;
}

/** The keys open runs need, by tenant and key id (sorted). */
export async function keysInUse(client: Client): Promise<KeyInUse[]> {
  const found = new Map<string, KeyInUse>();
  const note = (tenant: string, keyId: string, use: 'payloads' | 'search', workflowId: string, runs: Set<string>) => {
    const id = `${tenant}\0${keyId}`;
    let entry = found.get(id);
    if (!entry) found.set(id, (entry = { tenant, keyId, openRuns: 0, uses: [], examples: [] }));
    if (!entry.uses.includes(use)) entry.uses.push(use);
    if (!runs.has(id)) {
      runs.add(id);
      entry.openRuns++;
      if (entry.examples.length < 3) entry.examples.push(workflowId);
    }
  };
  for await (const info of client.workflow.list({ query: `ExecutionStatus = 'Running'` })) {
    const counted = new Set<string>();
    for (const key of [DatasetIdKey, TaskIdKey]) {
      const keyId = searchHashKeyId(info.typedSearchAttributes.get(key));
      if (keyId) note(tenantOfWorkflowId(info.workflowId), keyId, 'search', info.workflowId, counted);
    }
    // The history as the server holds it: fetchHistory pages through it and decodes no payload.
    const history = await client.workflow.getHandle(info.workflowId, info.runId).fetchHistory();
    for (const key of payloadKeys(history.events)) {
      const [tenant, keyId] = key.split('\0') as [string, string];
      note(tenant, keyId, 'payloads', info.workflowId, counted);
    }
  }
  return [...found.values()].sort((a, b) => a.tenant.localeCompare(b.tenant) || a.keyId.localeCompare(b.keyId));
}
