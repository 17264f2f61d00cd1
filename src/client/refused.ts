/**
 * The server's refusals of a start or a schedule as bad input: `INVALID_ARGUMENT` (an id, a search attribute or a
 * cron the server does not take), or `RESOURCE_EXHAUSTED` about a size (a request over the gRPC message limit).
 * The SDK wraps them as `ServiceError('Failed to start Workflow')` and keeps the server's words in `cause`; these
 * helpers bring the words back, so the caller sees why (and the CLI exits 2: bad input, nothing was started).
 * RESOURCE_EXHAUSTED about a rate limit is not bad input: it is left as it is.
 */
import { isGrpcServiceError, ServiceError } from '@temporalio/client';

const INVALID_ARGUMENT = 3;
const RESOURCE_EXHAUSTED = 8;

/** The request was refused as invalid or too large; `cause` is the server's own message. */
export class RequestRefusedError extends Error {
  constructor(
    readonly what: string,
    readonly serverMessage: string,
    options?: { cause?: unknown },
  ) {
    super(`${what}: the server refused it: ${serverMessage}`, options);
    this.name = 'RequestRefusedError';
  }
}

/** The server's message, when `err` is a refusal of bad input; undefined otherwise. */
export function refusalMessage(err: unknown): string | undefined {
  // The schedule client turns the server's "3 INVALID_ARGUMENT: Invalid schedule spec: …" into a TypeError that
  // keeps only the reason (SDK 1.24 ScheduleClient.rethrowGrpcError); any other TypeError is a bug, not a refusal.
  if (err instanceof TypeError && err.stack?.includes('rethrowGrpcError'))
    return `invalid schedule spec: ${err.message}`;
  const grpc = err instanceof ServiceError ? err.cause : err;
  if (!isGrpcServiceError(grpc)) return undefined;
  const message = grpc.details || grpc.message;
  if (grpc.code === INVALID_ARGUMENT) return message;
  if (grpc.code === RESOURCE_EXHAUSTED && /size|larger than|too large/i.test(message)) return message;
  return undefined;
}

/** Rethrows a refusal as RequestRefusedError naming `what` was refused; other errors as they are. */
export function rethrowRefusal(err: unknown, what: string): never {
  const message = refusalMessage(err);
  if (message !== undefined) throw new RequestRefusedError(what, message, { cause: err });
  throw err;
}
