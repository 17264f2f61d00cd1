/** Turns client errors into Temporal failures: the error type says whether a retry can help. */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { classifyError, ModelArtsApiError, ModelArtsValidationError } from '../modelarts/errors.js';
import { FAILURE, type StepEndDetails } from '../contract/failures.js';

/**
 * Attempts an activity spends on malformed answers (a field missing or mistyped, an empty or oversized body): a
 * proxy can garble an answer or two, but one that keeps answering so will not get better by the hour.
 */
export const MALFORMED_ANSWER_ATTEMPTS = 5;

/** This activity's attempt number (1 outside an activity context, as in direct calls). */
function attemptNumber(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

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
  const { retryable, retryAfterMs, malformed, mayHaveSucceeded } = classifyError(err);
  if (!retryable) return ApplicationFailure.create({ type: FAILURE.clientError, message, nonRetryable: true, details });
  if (malformed && attemptNumber() >= MALFORMED_ANSWER_ATTEMPTS) {
    const maybe = mayHaveSucceeded ? ' (the request may have taken effect at ModelArts)' : '';
    return ApplicationFailure.create({
      type: FAILURE.malformedAnswer,
      message: `${message}; giving up after ${MALFORMED_ANSWER_ATTEMPTS} attempts${maybe}`,
      nonRetryable: true,
    });
  }
  return ApplicationFailure.create({
    type: FAILURE.transientError,
    message,
    details,
    // Honour Retry-After: the next attempt waits at least this long.
    ...(retryAfterMs !== undefined ? { nextRetryDelay: retryAfterMs } : {}),
  });
}
