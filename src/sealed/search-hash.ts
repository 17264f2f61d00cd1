/**
 * Keyed hashes for search attributes in sealed mode. The codec cannot seal search attributes (the SDK passes them
 * through clear, and the server must compare them), so a sealed run's identifying Keyword attributes
 * (`ModelArtsDatasetId`, `ModelArtsTaskId`) hold a keyed hash of the value instead:
 *
 *   h2:{key id}:{base64url of HMAC-SHA256(HKDF(tenant key, "modelarts-sealed/search/v1", tenant), attribute \0 value),
 *                cut to its first 128 bits}
 *
 * 128 bits are plenty to tell values apart (a collision among a billion values is about 1 in 10^21) and keep a
 * value at 28 characters plus the key id; earlier builds wrote `h1:{key id}:{hex of all 256 bits}`, which queries
 * still look for, so their runs stay findable.
 *
 * The search key is derived (HKDF) from one of the tenant's encryption keys, never the encryption key itself, and
 * the value names that key's id. Why per key and not one stable search key: there is no extra secret to manage, and
 * rotation needs nothing special: new values use the new current key, and a query hashes the value with every key
 * the process holds (`IN (…)`), so runs hashed under an old key are found as long as that key is kept, which is
 * the rule for decoding their payloads anyway. The attribute name is hashed too: a task id and a dataset id with
 * the same text do not hash alike. `ModelArtsTaskStatus` (a ModelArts status word) and `ModelArtsTenant` (the
 * fairness key, in clear in workflow ids too) identify nothing and stay clear.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { isSearchHash, TaskIdKey } from '../workflows/search-attributes.js';
import type { KeySource, SealedKey } from './key-source.js';

export { isSearchHash };
const HKDF_INFO = 'modelarts-sealed/search/v1';

/** Derived search keys by key bytes, then tenant (the tenant is the HKDF salt). */
const derived = new WeakMap<Buffer, Map<string, Buffer>>();

function searchKey(key: SealedKey): Buffer {
  let byTenant = derived.get(key.bytes);
  if (!byTenant) derived.set(key.bytes, (byTenant = new Map()));
  let bytes = byTenant.get(key.tenant);
  if (!bytes) {
    bytes = Buffer.from(hkdfSync('sha256', key.bytes, Buffer.from(key.tenant, 'utf8'), HKDF_INFO, 32));
    byTenant.set(key.tenant, bytes);
  }
  return bytes;
}

const mac = (key: SealedKey, attribute: string, value: string) =>
  createHmac('sha256', searchKey(key)).update(`${attribute}\0${value}`, 'utf8').digest();

/** The keyed hash of one search attribute value, under one tenant key. */
export function searchHash(key: SealedKey, attribute: string, value: string): string {
  return `h2:${key.id}:${mac(key, attribute, value).subarray(0, 16).toString('base64url')}`;
}

/** The hash earlier builds wrote (`h1`: all 256 bits in hex); queries look for it too. */
export function searchHashV1(key: SealedKey, attribute: string, value: string): string {
  return `h1:${key.id}:${mac(key, attribute, value).toString('hex')}`;
}

/** The keyed hash a sealed run stores in `ModelArtsTaskId` for a task id (its start activity makes it). */
export function taskIdHash(key: SealedKey, taskId: string): string {
  return searchHash(key, TaskIdKey.name, taskId);
}

/** The key id a keyed hash was made with; undefined for a clear value. */
export function searchHashKeyId(value: unknown): string | undefined {
  if (!isSearchHash(value)) return undefined;
  const rest = value.slice(3); // after h1: or h2:
  const at = rest.lastIndexOf(':');
  return at > 0 ? rest.slice(0, at) : undefined;
}

/**
 * Every value a run on `value` may carry in `attribute`: the clear value (runs started unsealed) and its hashes
 * (`h2`, and earlier builds' `h1`) under every key of every tenant `keys` holds (or of `tenant` only), so one
 * visibility query finds them all.
 */
export function searchValues(keys: KeySource | undefined, attribute: string, value: string, tenant?: string): string[] {
  const held = keys?.allKeys?.(tenant) ?? [];
  return [
    value,
    ...held.map((key) => searchHash(key, attribute, value)),
    ...held.map((key) => searchHashV1(key, attribute, value)),
  ];
}
