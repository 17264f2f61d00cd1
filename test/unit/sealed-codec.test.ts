/** The sealed payload codec: round trips, key ids, tamper detection, tenant isolation, clear pass-through. */
import { createCipheriv, randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload, type SerializationContext } from '@temporalio/common';
import { ENCODING, SealedCodec, sealedBy } from '../../src/sealed/codec.js';
import { SealedKeyError } from '../../src/sealed/errors.js';
import { StaticKeySource, type TenantKeys } from '../../src/sealed/key-source.js';
import { tenantOfWorkflowId, withTenantPrefix } from '../../src/sealed/tenant.js';
import { framePayload, unframePayload } from '../../src/sealed/frame.js';

const key = () => randomBytes(32);
const tenants = (entries: Record<string, { current: string; keys: Record<string, Buffer> }>) =>
  new StaticKeySource(
    new Map<string, TenantKeys>(
      Object.entries(entries).map(([t, e]) => [t, { current: e.current, keys: new Map(Object.entries(e.keys)) }]),
    ),
  );

const k1 = key();
const k2 = key();
const ka = key();
const keys = tenants({
  default: { current: 'k2', keys: { k1, k2 } },
  'team-a': { current: 'a1', keys: { a1: ka } },
});
const ctx = (workflowId: string): SerializationContext => ({ type: 'workflow', namespace: 'default', workflowId });
const SECRET = { datasetId: 'gfghHSokody6AJigS5A', path: '/customer-bucket/acme/out/' };
const clear = (): Payload => defaultPayloadConverter.toPayload(SECRET);
const text = (p: Payload) =>
  Buffer.concat([Buffer.from(p.data ?? []), ...Object.values(p.metadata ?? {})]).toString('latin1');
const meta = (p: Payload, name: string) => Buffer.from(p.metadata?.[name] ?? []).toString();

describe('sealed codec', () => {
  const codec = new SealedCodec({ sealed: true, keys });

  it('round-trips a payload, hiding its content and encoding, and names the key id and tenant', async () => {
    const [sealed] = await codec.encode([clear()], ctx('team-a~nightly'));
    expect(Object.keys(sealed!.metadata!)).toEqual(['encoding']);
    expect(meta(sealed!, 'encoding')).toBe(ENCODING);
    expect(sealedBy(sealed!)).toEqual({ tenant: 'team-a', keyId: 'a1' });
    expect(text(sealed!)).not.toContain(SECRET.datasetId);
    expect(text(sealed!)).not.toContain('json/plain');
    const [back] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(back!)).toEqual(SECRET);
    expect(meta(back!, 'encoding')).toBe('json/plain');
  });

  it("uses the tenant's current key, and reads payloads written under an older key id", async () => {
    const [now] = await codec.encode([clear()], ctx('plain-id'));
    expect(sealedBy(now!)).toEqual({ tenant: 'default', keyId: 'k2' });
    const before = new SealedCodec({ sealed: true, keys: tenants({ default: { current: 'k1', keys: { k1 } } }) });
    const [old] = await before.encode([clear()], ctx('plain-id'));
    expect(sealedBy(old!)).toEqual({ tenant: 'default', keyId: 'k1' });
    expect(defaultPayloadConverter.fromPayload((await codec.decode([old!]))[0]!)).toEqual(SECRET);
  });

  it('uses a fresh IV per payload (same input, different ciphertext)', async () => {
    const [a, b] = await codec.encode([clear(), clear()], ctx('x'));
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('an activity payload is sealed for the tenant of the workflow that scheduled it', async () => {
    const activity: SerializationContext = {
      type: 'activity',
      namespace: 'n',
      workflowId: 'team-a~r.step-1',
      isLocal: false,
    };
    const [sealed] = await codec.encode([clear()], activity);
    expect(sealedBy(sealed!)?.tenant).toBe('team-a');
  });

  it('detects tampering: a flipped bit, a swapped key id or a payload moved to another tenant', async () => {
    const [sealed] = await codec.encode([clear()], ctx('team-a~r'));
    const data = Buffer.from(sealed!.data!);
    data[20] = data[20]! ^ 1;
    const flipped = { ...sealed!, data };
    await expect(codec.decode([flipped], ctx('team-a~r'))).rejects.toThrow(
      'sealed payload of run team-a~r (key "a1" of tenant "team-a") failed authentication',
    );
    // Same ciphertext claimed for the default tenant's key k1: the AAD binds tenant and key id.
    const header = Buffer.from([2, 6, ...Buffer.from('team-a'), 2, ...Buffer.from('a1')]);
    expect(Buffer.from(sealed!.data!).subarray(0, header.length)).toEqual(header);
    const claim = Buffer.from([2, 7, ...Buffer.from('default'), 2, ...Buffer.from('k1')]);
    const moved = { ...sealed!, data: Buffer.concat([claim, Buffer.from(sealed!.data!).subarray(header.length)]) };
    expect(sealedBy(moved)).toEqual({ tenant: 'default', keyId: 'k1' });
    await expect(codec.decode([moved])).rejects.toMatchObject({ problem: 'tampered', tenant: 'default', keyId: 'k1' });
  });

  it('adds 46 bytes to a JSON payload (v1 added 102)', async () => {
    const size = (p: Payload) =>
      (p.data?.length ?? 0) + Object.entries(p.metadata ?? {}).reduce((n, [k, v]) => n + k.length + v.length, 0);
    const [sealed] = await codec.encode([clear()], ctx('team-a~r'));
    // Header 2+6+1+2, IV 12, tag 16, frame 1 (json/plain in one byte); "binary/encrypted" is 6 longer.
    expect(size(sealed!) - size(clear())).toBe(46);
  });

  it('reads envelope v1 (tenant and key id in metadata), written by earlier builds', async () => {
    // v1 as those builds wrote it: IV ‖ ciphertext ‖ tag over the full frame, AAD "modelarts-sealed/v1\0tenant\0id".
    const u16 = (n: number) => Buffer.from([n >> 8, n & 255]);
    const u32 = (n: number) => Buffer.concat([u16(0), u16(n)]);
    const data = Buffer.from(clear().data!);
    const fullFrame = Buffer.concat([
      u16(1),
      u16(8),
      Buffer.from('encoding'),
      u32(10),
      Buffer.from('json/plain'),
      data,
    ]);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', ka, iv);
    cipher.setAAD(Buffer.from('modelarts-sealed/v1\0team-a\0a1'));
    const v1: Payload = {
      metadata: {
        encoding: Buffer.from(ENCODING),
        'encryption-key-id': Buffer.from('a1'),
        'encryption-tenant': Buffer.from('team-a'),
      },
      data: Buffer.concat([iv, cipher.update(fullFrame), cipher.final(), cipher.getAuthTag()]),
    };
    expect(sealedBy(v1)).toEqual({ tenant: 'team-a', keyId: 'a1' });
    const [back] = await codec.decode([v1]);
    expect(defaultPayloadConverter.fromPayload(back!)).toEqual(SECRET);
  });

  it("isolates tenants: another tenant's keys cannot read a payload", async () => {
    const [sealed] = await codec.encode([clear()], ctx('team-a~r'));
    const otherSide = new SealedCodec({
      sealed: true,
      keys: tenants({ 'team-b': { current: 'a1', keys: { a1: key() } } }),
    });
    await expect(otherSide.decode([sealed!], ctx('team-a~r'))).rejects.toThrow(
      'sealed payload of run team-a~r: this process has no key "a1" of tenant "team-a"',
    );
  });

  it('passes clear payloads through on decode (runs started unsealed finish on sealed workers)', async () => {
    const payload = clear();
    expect(await codec.decode([payload], ctx('x'))).toEqual([payload]);
  });

  it('does not seal a payload twice', async () => {
    const [once] = await codec.encode([clear()], ctx('x'));
    expect(await codec.encode([once!], ctx('x'))).toEqual([once]);
  });

  it('fails a write for a tenant without a key, naming tenant and run, and reports it', async () => {
    const seen: SealedKeyError[] = [];
    const counted = new SealedCodec({ sealed: true, keys, onKeyError: (e) => seen.push(e) });
    await expect(counted.encode([clear()], ctx('team-z~r1'))).rejects.toThrow(
      'sealed payload of run team-z~r1: this process has no current key for tenant "team-z"',
    );
    expect(seen.map((e) => [e.problem, e.tenant])).toEqual([['missing-key', 'team-z']]);
  });

  it("writes a key error's own failure in clear (reporting it must not fail too)", async () => {
    const counted = new SealedCodec({ sealed: true, keys });
    const error = (await counted.encode([clear()], ctx('team-z~r1')).catch((e: unknown) => e)) as SealedKeyError;
    expect(error).toBeInstanceOf(SealedKeyError);
    const failure = defaultPayloadConverter.toPayload({ message: error.message, stack_trace: 'at codec' });
    expect(await counted.encode([failure], ctx('team-z~r1'))).toEqual([failure]);
  });

  it('unsealed: writes clear, reads sealed payloads it has the key for, and names the key id when it has none', async () => {
    const [sealed] = await codec.encode([clear()], ctx('team-a~r'));
    const turnedOff = new SealedCodec({ sealed: false, keys });
    expect(await turnedOff.encode([clear()], ctx('team-a~r'))).toEqual([clear()]);
    expect(defaultPayloadConverter.fromPayload((await turnedOff.decode([sealed!]))[0]!)).toEqual(SECRET);
    const neverSealed = new SealedCodec({ sealed: false });
    await expect(neverSealed.decode([sealed!], ctx('team-a~r'))).rejects.toMatchObject({
      problem: 'not-sealed',
      message: expect.stringContaining('sealed payload of run team-a~r (key "a1" of tenant "team-a")'),
    });
  });
});

describe('tenant of a workflow id', () => {
  it.each([
    ['team-a~nightly', 'team-a'],
    ['team-a~nightly.step-2', 'team-a'],
    ['proj:eu/x~r', 'proj:eu/x'],
    ['no-prefix', 'default'],
    ['~leading', 'default'],
    ['bad tenant~x', 'default'],
  ])('%s → %s', (id, tenant) => expect(tenantOfWorkflowId(id)).toBe(tenant));

  it('prefixes an id once, and leaves the default tenant unprefixed', () => {
    expect(withTenantPrefix('team-a', 'r1')).toBe('team-a~r1');
    expect(withTenantPrefix('team-a', 'team-a~r1')).toBe('team-a~r1');
    expect(withTenantPrefix('default', 'r1')).toBe('r1');
  });
});

describe('payload frame', () => {
  it('keeps metadata and data exactly, and refuses a cut frame', () => {
    const payload: Payload = {
      metadata: { encoding: Buffer.from('binary/null'), x: new Uint8Array() },
      data: new Uint8Array(),
    };
    expect(unframePayload(framePayload(payload))).toEqual({
      metadata: { encoding: new Uint8Array(Buffer.from('binary/null')), x: new Uint8Array() },
      data: new Uint8Array(),
    });
    expect(unframePayload(framePayload(clear()))).toEqual({
      metadata: { encoding: new Uint8Array(Buffer.from('json/plain')) },
      data: new Uint8Array(clear().data!),
    });
    const frame = framePayload({ metadata: { encoding: Buffer.from('binary/null') }, data: new Uint8Array() });
    expect(() => unframePayload(frame.subarray(0, 5))).toThrow(/cut short/);
  });
});
