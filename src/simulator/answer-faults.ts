/**
 * Answer faults: the service (or a proxy in front of it) answers, but not in the documented shape. The request
 * takes effect as usual; only what goes back on the wire changes:
 * - `fields`: fields set in the JSON answer (`{"progress":"abc"}`, `{"export_tasks":{}}`);
 * - `body: 'html'`: a 200 HTML page (a proxy's login page); `body: 'empty'`: a 200 with no body;
 * - `hugeBytes`: the JSON answer padded to this many bytes with an unknown field, streamed without Content-Length;
 * - `errorMsgBytes`: the `error_msg` of a failed task (and of error answers) made this long.
 */
import type { ServerResponse } from 'node:http';
import { stringify } from './json.js';

export interface AnswerFault {
  fields?: Record<string, unknown>;
  body?: 'html' | 'empty';
  hugeBytes?: number;
  errorMsgBytes?: number;
}

const HTML_PAGE =
  '<!DOCTYPE html><html><head><title>Sign in</title></head><body><form action="/login">Proxy login required' +
  '</form></body></html>';
const CHUNK = 64 * 1024;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `error_msg` made `bytes` long wherever the answer (or an item of its lists) has one. */
function longErrorMsgs(body: unknown, bytes: number): unknown {
  if (!isObject(body)) return body;
  const long = (o: Record<string, unknown>) =>
    typeof o.error_msg === 'string' ? { ...o, error_msg: `${o.error_msg} `.padEnd(bytes, 'x') } : o;
  const out = long(body);
  for (const [key, value] of Object.entries(out)) {
    if (Array.isArray(value)) out[key] = value.map((item) => (isObject(item) ? long(item) : item));
  }
  return out;
}

/** The JSON body with the fault applied, or undefined when the fault replaces it outright (html, empty, huge). */
export function faultedJson(status: number, body: unknown, fault: AnswerFault): unknown {
  let out = fault.errorMsgBytes !== undefined ? longErrorMsgs(body, fault.errorMsgBytes) : body;
  if (status < 300 && fault.fields && isObject(out)) out = { ...out, ...fault.fields };
  return out;
}

/** Resolves when `res` can take more, or is gone; leaves no listener behind. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Writes a 2xx answer under `fault`; false when the fault leaves it to the ordinary JSON answer. */
export async function sendFaultedAnswer(
  res: ServerResponse,
  status: number,
  body: unknown,
  requestId: string,
  fault: AnswerFault,
): Promise<boolean> {
  if (status >= 300) return false;
  if (fault.body === 'html') {
    res.writeHead(200, {
      'Content-Type': 'text/html;charset=UTF-8',
      'Content-Length': Buffer.byteLength(HTML_PAGE),
      'X-Request-Id': requestId,
    });
    res.end(HTML_PAGE);
    return true;
  }
  if (fault.body === 'empty') {
    res.writeHead(200, { 'Content-Length': 0, 'X-Request-Id': requestId });
    res.end();
    return true;
  }
  if (fault.hugeBytes === undefined) return false;
  const json = stringify(faultedJson(status, body, fault));
  // `{"padding":"xxx…",` + the rest of the object: valid JSON of about hugeBytes, with an unknown field.
  const rest = isObject(body) && json.length > 2 ? `,${json.slice(1)}` : '}';
  const head = '{"padding":"';
  const tail = `"${rest}`;
  let pad = Math.max(0, fault.hugeBytes - head.length - Buffer.byteLength(tail));
  res.writeHead(200, { 'Content-Type': 'application/json;charset=UTF-8', 'X-Request-Id': requestId });
  res.write(head);
  const chunk = 'x'.repeat(CHUNK);
  while (pad > 0 && !res.destroyed) {
    const piece = pad >= CHUNK ? chunk : chunk.slice(0, pad);
    pad -= piece.length;
    // The client may abandon the answer half-way: stop writing when it is gone.
    if (!res.write(piece)) await drainedOrClosed(res);
  }
  if (!res.destroyed) res.end(tail);
  return true;
}
