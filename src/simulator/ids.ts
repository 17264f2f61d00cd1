/**
 * Seeded randomness. Separate streams for ids, request ids and faults, so that (for a fixed seed) turning a fault
 * knob does not change which ids are handed out.
 */

export type Random = () => number;

/** mulberry32: tiny, fast, good enough for ids and coin flips. Returns floats in [0, 1). */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const HEX = '0123456789abcdef';

function pick(random: Random, alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)];
  return out;
}

export class Ids {
  private readonly ids: Random;
  private readonly requests: Random;
  private readonly tokens: Random;

  constructor(seed: number) {
    this.ids = mulberry32(seed);
    this.requests = mulberry32(seed ^ 0x5bd1e995);
    this.tokens = mulberry32(seed ^ 0x27d4eb2f);
  }

  /** Dataset, task and version ids look like `rF9NNoB56k5rtYKg2Y7`: 19 base62 characters. */
  id(): string {
    return pick(this.ids, BASE62, 19);
  }

  /** APIG request ids are 32 lowercase hex characters. */
  requestId(): string {
    return pick(this.requests, HEX, 32);
  }

  /** IAM tokens are long opaque strings starting `MII` (PKI-style). */
  token(): string {
    return `MII${pick(this.tokens, `${BASE62}+/`, 253)}=`;
  }
}
