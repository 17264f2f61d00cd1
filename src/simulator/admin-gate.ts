/**
 * Who may use the admin API (`/_sim/`), which mints valid tokens and sets faults. The simulator listens on loopback,
 * but every local user, and any web page through DNS rebinding or a cross-site form, can reach loopback too:
 * - without an admin token, only requests whose `Host` names this machine are served (a rebound page sends its own
 *   host name);
 * - with one (required when the simulator listens on another address), only requests that carry it, whatever the
 *   `Host`;
 * - writes (POST, PUT) must say `Content-Type: application/json`, which a page cannot send cross-site without a CORS
 *   preflight that the simulator never grants.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { hostOf, isLoopbackHost } from '../loopback.js';
import type { AdminAnswer } from './admin.js';

export const ADMIN_TOKEN_VARIABLE = 'MODELARTS_SIMULATOR_ADMIN_TOKEN';

const refuse = (status: number, code: string, msg: string): AdminAnswer => ({
  status,
  body: { error_code: code, error_msg: msg },
});

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Why this admin request is refused, or undefined when it may go on. */
export function adminRefusal(
  method: string,
  headers: IncomingHttpHeaders,
  adminToken?: string,
): AdminAnswer | undefined {
  if (adminToken) {
    const given = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1] ?? '';
    if (!timingSafeEqual(digest(given), digest(adminToken)))
      return refuse(401, 'SIM.401', `the admin API needs "Authorization: Bearer <${ADMIN_TOKEN_VARIABLE}>"`);
  } else if (!isLoopbackHost(hostOf(headers.host ?? ''))) {
    return refuse(
      403,
      'SIM.403',
      'the admin API only answers requests addressed to this machine (Host: 127.0.0.1 or localhost)',
    );
  }
  if ((method === 'POST' || method === 'PUT') && !/^application\/json\b/i.test(headers['content-type'] ?? ''))
    return refuse(415, 'SIM.415', 'admin writes must send Content-Type: application/json');
  return undefined;
}
