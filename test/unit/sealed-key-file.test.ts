/**
 * Keys from MODELARTS_SEALED_KEYS_FILE follow the file (src/sealed/key-file.ts): a new current key is taken without
 * a restart, a bad new file is logged once and the last good keys stay in use, and a key removed from the file names
 * its id when its ciphertext is read. The clock is the test's, so "at most once a second" needs no waiting.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Payload, SerializationContext } from '@temporalio/common';
import { SealedCodec, sealedBy } from '../../src/sealed/codec.js';
import { sealedSettingsFromEnv } from '../../src/sealed/config.js';
import { KeyFileSource } from '../../src/sealed/key-file.js';

const TENANT = 'team-a';
const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');
const payload: Payload = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"x":1}') };
const context: SerializationContext = { type: 'workflow', namespace: 'default', workflowId: `${TENANT}~run-1` };

let dir: string;
let file: string;
let clock: number;
let log: { info: string[]; warn: string[] };

function writeKeys(value: unknown, mode = 0o600): void {
  // Atomically, as a careful operator (or a secret mount) replaces it.
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, typeof value === 'string' ? value : JSON.stringify(value), { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

function open() {
  const settings = sealedSettingsFromEnv(
    { MODELARTS_SEALED: 'true', MODELARTS_SEALED_KEYS_FILE: file },
    {
      now: () => clock,
      log: { info: (m) => log.info.push(m), warn: (m) => log.warn.push(m) },
    },
  );
  return { keys: settings.keys!, codec: new SealedCodec({ sealed: true, keys: settings.keys! }) };
}

const keyIdOf = async (codec: SealedCodec) => sealedBy((await codec.encode([payload], context))[0]!)?.keyId;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sealed-key-file-'));
  file = path.join(dir, 'keys.json');
  clock = 1_000_000;
  log = { info: [], warn: [] };
  writeKeys({ [TENANT]: { current: 'k1', keys: { k1 } } });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('sealed keys from a file', () => {
  it('takes a new current key without a restart, and still reads what the old key wrote', async () => {
    const { keys, codec } = open();
    expect(keys).toBeInstanceOf(KeyFileSource);
    const old = await codec.encode([payload], context);
    expect(sealedBy(old[0]!)?.keyId).toBe('k1');

    writeKeys({ [TENANT]: { current: 'k2', keys: { k1, k2 } } });
    // Re-stat at most once a second: within the second, the keys in hand.
    clock += 500;
    expect(await keyIdOf(codec)).toBe('k1');
    clock += 500;
    expect(await keyIdOf(codec)).toBe('k2');
    expect(log.info).toEqual([`sealed keys reloaded from ${file} (team-a: current k2 of 2)`]);
    expect(log.warn).toEqual([]);
    // Old events decode (k1 kept), new ones too.
    expect(await codec.decode(old, context)).toEqual([expect.objectContaining({ data: payload.data })]);
    expect(await codec.decode(await codec.encode([payload], context), context)).toEqual([
      expect.objectContaining({ data: payload.data }),
    ]);
    // Search values are hashed with every key held: the new one is among them.
    expect(keys.allKeys(TENANT).map((k) => k.id)).toEqual(['k1', 'k2']);
  });

  it('keeps the last good keys when the new file is bad, logging each bad version once with the file and reason', async () => {
    const { codec } = open();
    const cases: [unknown, number, RegExp][] = [
      ['{not json', 0o600, /MODELARTS_SEALED_KEYS_FILE must be JSON/],
      [{ [TENANT]: { current: 'k3', keys: { k1, k2 } } }, 0o600, /"current" must name one of its keys \("k1", "k2"\)/],
      [{ [TENANT]: { current: 'k2', keys: { k1, k2 } } }, 0o644, /is readable by others \(mode 644\); chmod 600 it/],
      [{ [TENANT]: { current: 'k2', keys: { k1, k2: 'c2hvcnQ=' } } }, 0o600, /key "k2" must be 32 random bytes/],
    ];
    for (const [content, mode, reason] of cases) {
      writeKeys(content, mode);
      for (let i = 0; i < 3; i++) {
        clock += 1000;
        expect(await keyIdOf(codec)).toBe('k1');
      }
      expect(log.warn).toHaveLength(1);
      expect(log.warn[0]).toContain(`sealed keys file ${file} changed but was not taken: `);
      expect(log.warn[0]).toMatch(reason);
      expect(log.warn[0]).toContain('the last good keys stay in use');
      expect(log.warn[0]).not.toContain(k1);
      log.warn = [];
    }
    // A file gone (mid-deploy) is no reason to stop either.
    rmSync(file);
    clock += 1000;
    expect(await keyIdOf(codec)).toBe('k1');
    expect(log.warn).toEqual([expect.stringContaining(`cannot read ${file} (ENOENT)`)]);
    // Fixed: taken.
    writeKeys({ [TENANT]: { current: 'k2', keys: { k1, k2 } } });
    clock += 1000;
    expect(await keyIdOf(codec)).toBe('k2');
    expect(log.info).toHaveLength(1);
  });

  it('re-checks at once for a key id it lacks (another process rotated first)', async () => {
    const { codec } = open();
    // A worker that took the new file already wrote under k2.
    const other = new SealedCodec({
      sealed: true,
      keys: sealedSettingsFromEnv({
        MODELARTS_SEALED: 'true',
        MODELARTS_SEALED_KEYS: JSON.stringify({ [TENANT]: { current: 'k2', keys: { k1, k2 } } }),
      }).keys!,
    });
    const written = await other.encode([payload], context);
    writeKeys({ [TENANT]: { current: 'k2', keys: { k1, k2 } } });
    // Same instant (no second has passed), yet it reads.
    expect(await codec.decode(written, context)).toEqual([expect.objectContaining({ data: payload.data })]);
  });

  it('names the retired key id when its ciphertext is read after the key left the file', async () => {
    const { codec } = open();
    const old = await codec.encode([payload], context);
    writeKeys({ [TENANT]: { current: 'k2', keys: { k2 } } });
    clock += 1000;
    expect(await keyIdOf(codec)).toBe('k2');
    await expect(codec.decode(old, context)).rejects.toThrow(
      `sealed payload of run ${TENANT}~run-1: this process has no key "k1" of tenant "${TENANT}"; add it to MODELARTS_SEALED_KEYS`,
    );
  });

  it('keeps keys given in the variable itself fixed (no file to follow)', () => {
    const settings = sealedSettingsFromEnv({
      MODELARTS_SEALED: 'true',
      MODELARTS_SEALED_KEYS: JSON.stringify({ [TENANT]: { current: 'k1', keys: { k1 } } }),
    });
    expect(settings.keys).not.toBeInstanceOf(KeyFileSource);
  });

  it('still refuses a bad file at start', () => {
    writeKeys('{not json');
    expect(() => open()).toThrow(/MODELARTS_SEALED_KEYS must be JSON/);
  });
});
