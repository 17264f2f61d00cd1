/**
 * The plaintext of a sealed payload: the whole Payload (metadata and data) in a small binary frame, so the
 * ciphertext hides the encoding too and adds only a few bytes (base64 or JSON would add a third).
 *
 *   u16 count, then per metadata entry: u16 key length, key (utf8), u32 value length, value; then the data.
 */
import type { Payload } from '@temporalio/common';

export function framePayload(payload: Payload): Buffer {
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
  parts.push(Buffer.from(payload.data ?? new Uint8Array()));
  return Buffer.concat(parts);
}

export function unframePayload(frame: Buffer): Payload {
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
