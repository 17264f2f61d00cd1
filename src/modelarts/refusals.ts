/**
 * Answers that mean "not now" rather than "no": the service refuses a create because another operation on the
 * dataset is under way (waiting it out succeeds), or reports a task it has just created as not existing (its reads
 * lag its writes). Codes and wording from the error-code appendix (modelarts-docs/otc_error_codes_appendix.txt).
 */
import { ModelArtsApiError } from './errors.js';

/**
 * "An operation is ongoing" refusals: each row's handling advice is to do the operation once the ongoing one is
 * complete. Not here: 4370 and 4409 (rate and capacity limits, already retried as transient with Retry-After) and
 * 4344/4381 (annotation only, which no step does).
 */
export const BUSY_CODES: Readonly<Record<string, string>> = Object.freeze({
  // 400s: "Do not switch, import, synchronize, or publish a dataset version because there is an ongoing ..."
  'ModelArts.4343': 'a version of the dataset is being published',
  'ModelArts.4349': 'the dataset is switching versions',
  'ModelArts.4355': 'a data source synchronization is running on the dataset',
  'ModelArts.4356': 'another import is running on the dataset',
  // 403 "The auto labeling task cannot be started because a labeling task is being published. Try again after ..."
  'ModelArts.4821': 'a labeling task is being published',
  // 501s: "Start a new ... task after the current task is complete."
  'ModelArts.4385': 'an auto deploy task is running on the dataset',
  'ModelArts.4386': 'an auto labeling task is running on the dataset',
  'ModelArts.4387': 'a pre-labeling task is running on the dataset',
});

/** A create or start the service refused for now; the step waits and tries again. */
export interface BusyRefusal {
  busy: true;
  errorCode: string;
  errorMsg?: string;
  /** What the service is busy with, in words (BUSY_CODES). */
  reason: string;
}

/**
 * The busy refusal `err` is, or undefined. `ownCodes` are the refusals this very create would cause itself once
 * it exists (a second import while ours runs is 4356): on a retry, when an earlier attempt may have created the
 * task without our seeing it, such a refusal may be our own task and is not waited out (that would end in a
 * duplicate); the caller fails as before.
 */
export function busyRefusal(
  err: unknown,
  options: { retry: boolean; ownCodes?: readonly string[] },
): BusyRefusal | undefined {
  if (!(err instanceof ModelArtsApiError) || !err.errorCode || !Object.hasOwn(BUSY_CODES, err.errorCode))
    return undefined;
  if (options.retry && options.ownCodes?.includes(err.errorCode)) return undefined;
  return {
    busy: true,
    errorCode: err.errorCode,
    ...(err.errorMsg !== undefined ? { errorMsg: err.errorMsg } : {}),
    reason: BUSY_CODES[err.errorCode]!,
  };
}

/**
 * Codes a status read of a task answers when the service does not know the task id: export 4359, intelligent tasks
 * 4338 (what the simulator answers) or 4612 / 400 4700 ("Task not found" / "Task does not exist"), versions 4353.
 * Not 4352 (the dataset does not exist): the task was created on that dataset, so that means it was deleted since.
 * Import tasks answer 200 with status NOT_EXIST instead.
 */
export const TASK_NOT_FOUND_CODES: readonly string[] = [
  'ModelArts.4359',
  'ModelArts.4338',
  'ModelArts.4612',
  'ModelArts.4700',
  'ModelArts.4353',
];

/** Whether `err` is the service saying it does not know the task (a 400 with one of TASK_NOT_FOUND_CODES). */
export function isTaskNotFound(err: unknown): err is ModelArtsApiError {
  // 4700 is also the 503 of a gateway under maintenance: only the 400 means "does not exist".
  return (
    err instanceof ModelArtsApiError &&
    err.httpStatus === 400 &&
    err.errorCode !== undefined &&
    TASK_NOT_FOUND_CODES.includes(err.errorCode)
  );
}
