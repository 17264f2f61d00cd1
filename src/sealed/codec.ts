/**
 * The sealed payload codec: AES-256-GCM (node:crypto) over the whole Payload (its metadata too, so not even the
 * encoding shows), a random 96-bit IV per payload, and the tenant and key id in a clear header, bound to the
 * ciphertext as additional authenticated data (moving a payload to another tenant or key id fails to decrypt).
 *
 *   metadata: encoding=binary/encrypted
 *   data:     0x02 ‖ u8 length ‖ TENANT ‖ u8 length ‖ KEY_ID ‖ IV (12) ‖ ciphertext ‖ tag (16)
 *   AAD:      the header (everything before the IV)
 *
 * 46 bytes over a clear JSON payload (src/sealed/frame.ts writes its encoding in one byte). Envelope v1, written by
 * earlier builds, named tenant and key id in metadata (`encryption-tenant`, `encryption-key-id`; 56 bytes more per
 * payload): it is still read, so runs sealed by them finish.
 *
 * Writing uses the current key of the owner's tenant (src/sealed/tenant.ts). Reading needs no context: the
 * payload names its tenant and key, which is also how the codec server picks the caller's own payloads. Clear
 * payloads pass through both ways on decode, so runs started unsealed finish on sealed workers. An unsealed codec
 * (`sealed: false`) writes clear and reads sealed payloads only with their key, else fails naming the key id.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { SealedKeyError, type SealedKeyProblem } from './errors.js';
import { framePayload, unframeFull, unframePayload } from './frame.js';
import type { KeySource, SealedKey } from './key-source.js';
import { tenantOfContext } from './tenant.js';

export const ENCODING = 'binary/encrypted';
const ENVELOPE_V2 = 2;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Envelope v1 (read only): tenant and key id in metadata, and its AAD. */
const V1_KEY_ID_METADATA = 'encryption-key-id';
const V1_TENANT_METADATA = 'encryption-tenant';
const V1_AAD_PREFIX = 'modelarts-sealed/v1';

const utf8 = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/** A sealed payload's clear parts: who sealed it, and the rest from the IV on. */
interface Envelope {
  tenant: string;
  keyId: string;
  body: Buffer;
  v1: boolean;
}

/** The AAD binding a payload to its tenant and key id: v2's header, or v1's text. */
function aadOf(key: SealedKey, v1 = false): Buffer {
  if (v1) return Buffer.from(`${V1_AAD_PREFIX}\0${key.tenant}\0${key.id}`, 'utf8');
  return header(key.tenant, key.id);
}

function header(tenant: string, keyId: string): Buffer {
  const t = Buffer.from(tenant, 'utf8');
  const k = Buffer.from(keyId, 'utf8');
  return Buffer.concat([Buffer.from([ENVELOPE_V2, t.length]), t, Buffer.from([k.length]), k]);
}

function envelopeOf(payload: Payload): Envelope | undefined {
  if (utf8(payload.metadata?.encoding) !== ENCODING) return undefined;
  const data = Buffer.from(payload.data ?? new Uint8Array());
  const v1KeyId = utf8(payload.metadata?.[V1_KEY_ID_METADATA]);
  if (v1KeyId !== undefined) {
    return { tenant: utf8(payload.metadata?.[V1_TENANT_METADATA]) ?? '', keyId: v1KeyId, body: data, v1: true };
  }
  // Not a v2 header: sealed, but by nothing this codec knows (it fails authentication with any key).
  if (data[0] !== ENVELOPE_V2 || data.length < 2) return { tenant: '', keyId: '', body: data, v1: false };
  const tenantEnd = 2 + data[1]!;
  const keyIdEnd = tenantEnd + 1 + (data[tenantEnd] ?? 0);
  return {
    tenant: data.subarray(2, tenantEnd).toString('utf8'),
    keyId: data.subarray(tenantEnd + 1, keyIdEnd).toString('utf8'),
    body: data.subarray(keyIdEnd),
    v1: false,
  };
}

/** The tenant and key id a sealed payload names; undefined for a clear payload. */
export function sealedBy(payload: Payload): { tenant: string; keyId: string } | undefined {
  const envelope = envelopeOf(payload);
  return envelope && { tenant: envelope.tenant, keyId: envelope.keyId };
}

export function seal(payload: Payload, key: SealedKey): Payload {
  const iv = randomBytes(IV_BYTES);
  const aad = aadOf(key);
  const cipher = createCipheriv('aes-256-gcm', key.bytes, iv);
  cipher.setAAD(aad);
  const plain = framePayload(payload);
  const data = Buffer.concat([aad, iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return { metadata: { encoding: Buffer.from(ENCODING) }, data };
}

/** Decrypts with `key` (the one the payload names); throws `tampered` when authentication fails. */
export function unseal(payload: Payload, key: SealedKey, workflowId?: string): Payload {
  try {
    const envelope = envelopeOf(payload);
    const body = envelope?.body;
    if (!envelope || !body || body.length < IV_BYTES + TAG_BYTES) throw new Error('too short');
    const decipher = createDecipheriv('aes-256-gcm', key.bytes, body.subarray(0, IV_BYTES));
    // The AAD is made from the key's own tenant and id: a payload claiming others fails authentication.
    decipher.setAAD(aadOf(key, envelope.v1));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)), decipher.final()]);
    return envelope.v1 ? unframeFull(plain) : unframePayload(plain);
  } catch {
    throw new SealedKeyError('tampered', key.tenant, key.id, workflowId);
  }
}

export interface SealedCodecOptions {
  /** Write sealed (MODELARTS_SEALED=true); false: write clear, read sealed payloads when the key is here. */
  sealed: boolean;
  /** Absent in an unsealed process without keys: a sealed payload is then a clear `not-sealed` error. */
  keys?: KeySource;
  /** Called for every key error before it is thrown (the worker counts them in a metric). */
  onKeyError?: (error: SealedKeyError) => void;
}

/** What a key error's failure looks like once the failure converter has put it into a payload. */
interface FailureAttributes {
  message?: unknown;
}

export class SealedCodec implements PayloadCodec {
  /** Messages of the key errors this codec raised: their failure is written clear (see `encodeOne`). */
  private readonly ownErrors = new Set<string>();

  constructor(readonly options: SealedCodecOptions) {}

  private fail(problem: SealedKeyProblem, tenant: string, keyId: string | undefined, workflowId?: string): never {
    const error = new SealedKeyError(problem, tenant, keyId, workflowId);
    if (this.ownErrors.size > 1000) this.ownErrors.clear();
    this.ownErrors.add(error.message);
    this.options.onKeyError?.(error);
    throw error;
  }

  /**
   * A key error's own failure (`encodeCommonAttributes` puts its message into a payload) goes out clear: it names
   * only the tenant, key id and run, and sealing it may be exactly what fails (the tenant has no key), which
   * would otherwise turn one failed task into a failure to report it.
   */
  private isOwnErrorFailure(payload: Payload): boolean {
    if (this.ownErrors.size === 0 || utf8(payload.metadata?.encoding) !== 'json/plain') return false;
    try {
      const { message } = JSON.parse(utf8(payload.data) ?? '') as FailureAttributes;
      return typeof message === 'string' && this.ownErrors.has(message);
    } catch {
      return false;
    }
  }

  private async encodeOne(payload: Payload, context?: SerializationContext): Promise<Payload> {
    if (!this.options.sealed || sealedBy(payload) || this.isOwnErrorFailure(payload)) return payload;
    const tenant = tenantOfContext(context);
    const key = await this.options.keys?.current(tenant);
    if (!key) this.fail('missing-key', tenant, undefined, context?.workflowId);
    return seal(payload, key);
  }

  private async decodeOne(payload: Payload, context?: SerializationContext): Promise<Payload> {
    const by = sealedBy(payload);
    if (!by) return payload; // clear: written unsealed (or before sealed mode was turned on)
    const workflowId = context?.workflowId;
    if (!this.options.keys) this.fail('not-sealed', by.tenant, by.keyId, workflowId);
    const key = await this.options.keys.byId(by.tenant, by.keyId);
    if (!key) this.fail('missing-key', by.tenant, by.keyId, workflowId);
    try {
      return unseal(payload, key, workflowId);
    } catch (err) {
      if (err instanceof SealedKeyError) this.fail(err.problem, by.tenant, by.keyId, workflowId);
      throw err;
    }
  }

  encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    return Promise.all(payloads.map((p) => this.encodeOne(p, context)));
  }

  decode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    return Promise.all(payloads.map((p) => this.decodeOne(p, context)));
  }
}
