/** Turns client errors into Temporal failures: the error type says whether a retry can help. */
import { ApplicationFailure } from '@temporalio/activity';
import { classifyError, ModelArtsApiError, ModelArtsValidationError } from '../modelarts/errors.js';
import { FAILURE, type StepEndDetails } from '../workflows/failures.js';

export function toFailure(err: unknown, doing: string): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const message = `${doing}: ${err instanceof Error ? err.message : String(err)}`;
  // ModelArts' own error_code and error_msg travel in details, so the run's outcome can show them (failures.ts).
  const details: (StepEndDetails & { httpStatus: number; requestId?: string })[] | undefined =
    err instanceof ModelArtsApiError
      ? [{ httpStatus: err.httpStatus, errorCode: err.errorCode, errorMsg: err.errorMsg, requestId: err.requestId }]
      : undefined;
  if (err instanceof ModelArtsValidationError) {
    return ApplicationFailure.create({ type: FAILURE.validationError, message, nonRetryable: true });
  }
  const { retryable, retryAfterMs } = classifyError(err);
  if (!retryable) return ApplicationFailure.create({ type: FAILURE.clientError, message, nonRetryable: true, details });
  return ApplicationFailure.create({
    type: FAILURE.transientError,
    message,
    details,
    // Honour Retry-After: the next attempt waits at least this long.
    ...(retryAfterMs !== undefined ? { nextRetryDelay: retryAfterMs } : {}),
  });
}
