/** Small node:http helpers: body reading with the 12 MB cap, JSON answers with the service's headers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, Errors } from './errors.js';
import { stringify } from './json.js';

/** ModelArts rejects request bodies over 12 MB with 413 ModelArts.4104. */
const MAX_BODY = 12 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY) throw Errors.bodyTooLarge();
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** Parses a JSON object body; anything else (empty, malformed, an array) is ModelArts.4105. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw Errors.badJson();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw Errors.badJson();
  return value as Record<string, unknown>;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  requestId: string,
  headers: Record<string, string> = {},
): void {
  const text = stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
    'X-Request-Id': requestId,
    ...headers,
  });
  res.end(text);
}

export function sendEmpty(
  res: ServerResponse,
  status: number,
  requestId: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'X-Request-Id': requestId, ...headers });
  res.end();
}

export function sendError(res: ServerResponse, error: ApiError, requestId: string): void {
  const body: Record<string, string> = { error_code: error.code, error_msg: error.msg };
  if (error.gateway) body.request_id = requestId;
  sendJson(res, error.status, body, requestId, error.headers);
}
