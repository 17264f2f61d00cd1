/**
 * The plaintext of a sealed payload: the whole Payload (metadata and data) in a small binary frame, so the
 * ciphertext hides the encoding too and adds only a few bytes (base64 or JSON would add a third).
 *
 * Written now (envelope v2), one form byte first:
 *   2: data                                               metadata is exactly encoding=json/plain (most payloads)
 *   0: u8 encoding length, encoding (utf8), data          the payload's only metadata is another encoding
 *   1: the full frame below                               any other metadata
 * Full frame (also the whole plaintext of envelope v1, without a form byte):
 *   u16 count, then per metadata entry: u16 key length, key (utf8), u32 value length, value; then the data.
 */
import type { Payload } from '@temporalio/common';

const ENCODING_ONLY = 0;
const FULL = 1;
const JSON_PLAIN = 2;
const JSON_PLAIN_ENCODING = 'json/plain';

function fullFrame(payload: Payload): Buffer[] {
  const entries = Object.entries(payload.metadata ?? {});
  const parts: Buffer[] = [];
  const count = Buffer.alloc(2);
  count.writeUInt16BE(entries.length);
  parts.push(count);
  for (const [key, value] of entries) {
    const k = Buffer.from(key, 'utf8');
    const head = Buffer.alloc(6);
    head.writeUInt16BE(k.length, 0);
    head.writeUInt32BE(value?.length ?? 0, 2);
    parts.push(head.subarray(0, 2), k, head.subarray(2), Buffer.from(value ?? new Uint8Array()));
  }
  return parts;
}

export function framePayload(payload: Payload): Buffer {
  const data = Buffer.from(payload.data ?? new Uint8Array());
  const keys = Object.keys(payload.metadata ?? {});
  const encoding = payload.metadata?.encoding;
  if (keys.length === 1 && encoding && Buffer.from(encoding).toString('latin1') === JSON_PLAIN_ENCODING) {
    return Buffer.concat([Buffer.from([JSON_PLAIN]), data]);
  }
  if (keys.length === 1 && encoding && encoding.length < 256) {
    return Buffer.concat([Buffer.from([ENCODING_ONLY, encoding.length]), Buffer.from(encoding), data]);
  }
  return Buffer.concat([Buffer.from([FULL]), ...fullFrame(payload), data]);
}

export function unframePayload(frame: Buffer): Payload {
  if (frame[0] === JSON_PLAIN) {
    return {
      metadata: { encoding: new Uint8Array(Buffer.from(JSON_PLAIN_ENCODING)) },
      data: new Uint8Array(frame.subarray(1)),
    };
  }
  if (frame[0] === ENCODING_ONLY && frame.length >= 2) {
    const end = 2 + frame[1]!;
    if (end > frame.length) throw new RangeError('sealed payload frame is cut short');
    return {
      metadata: { encoding: new Uint8Array(frame.subarray(2, end)) },
      data: new Uint8Array(frame.subarray(end)),
    };
  }
  if (frame[0] === FULL) return unframeFull(frame.subarray(1));
  throw new RangeError('sealed payload frame has an unknown form');
}

/** The full frame (envelope v1's whole plaintext). */
export function unframeFull(frame: Buffer): Payload {
  let at = 0;
  const need = (n: number) => {
    if (at + n > frame.length) throw new RangeError('sealed payload frame is cut short');
  };
  need(2);
  const count = frame.readUInt16BE(at);
  at += 2;
  const metadata: Record<string, Uint8Array> = {};
  for (let i = 0; i < count; i++) {
    need(2);
    const keyLength = frame.readUInt16BE(at);
    at += 2;
    need(keyLength + 4);
    const key = frame.subarray(at, at + keyLength).toString('utf8');
    at += keyLength;
    const valueLength = frame.readUInt32BE(at);
    at += 4;
    need(valueLength);
    metadata[key] = new Uint8Array(frame.subarray(at, at + valueLength));
    at += valueLength;
  }
  return { metadata, data: new Uint8Array(frame.subarray(at)) };
}
