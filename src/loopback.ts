/** Whether a host name or address is this machine (loopback), where cleartext and unauthenticated callers stay local. */
import { isIP } from 'node:net';

export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  return name === '::1' || name === '0:0:0:0:0:0:0:1' || name.startsWith('::ffff:127.');
}

/** The host of `HOST:PORT`, `[v6]:PORT` or a bare host. */
export function hostOf(address: string): string {
  const v6 = /^\[([^\]]+)\]/.exec(address);
  if (v6) return v6[1]!;
  return address.split(':').length === 2 ? address.slice(0, address.lastIndexOf(':')) : address;
}

/** `MODELARTS_ALLOW_CLEARTEXT=true`: accept http:// and TLS-less API keys to hosts that are not this machine. */
export const ALLOW_CLEARTEXT_VARIABLE = 'MODELARTS_ALLOW_CLEARTEXT';

export function cleartextAllowed(env: Record<string, string | undefined>): boolean {
  return ['true', '1'].includes(env[ALLOW_CLEARTEXT_VARIABLE]?.trim() ?? '');
}
