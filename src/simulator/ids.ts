/**
 * Seeded randomness. Separate streams for ids, request ids and faults, so that (for a fixed seed) turning a fault
 * knob does not change which ids are handed out.
 */

import { Mulberry32 } from '../polling/replay.js';

export { mulberry32 } from '../polling/replay.js';

export type Random = () => number;

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const HEX = '0123456789abcdef';

function pick(stream: Mulberry32, alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(stream.next() * alphabet.length)];
  return out;
}

/** Where each stream stands, so a restarted simulator goes on with the sequence instead of handing out ids again. */
export interface IdsState {
  ids: number;
  requests: number;
  tokens: number;
}

export class Ids {
  private readonly ids: Mulberry32;
  private readonly requests: Mulberry32;
  private readonly tokens: Mulberry32;

  constructor(seed: number) {
    this.ids = new Mulberry32(seed);
    this.requests = new Mulberry32(seed ^ 0x5bd1e995);
    this.tokens = new Mulberry32(seed ^ 0x27d4eb2f);
  }

  get state(): IdsState {
    return { ids: this.ids.state, requests: this.requests.state, tokens: this.tokens.state };
  }

  set state(state: IdsState) {
    this.ids.state = state.ids >>> 0;
    this.requests.state = state.requests >>> 0;
    this.tokens.state = state.tokens >>> 0;
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
