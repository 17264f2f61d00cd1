/**
 * Bounds on what the service can make us hold or pass on: an answer's size, the free text it carries (which ends
 * up in error messages, workflow payloads and failures, where Temporal limits payloads to 2 MB), and how long
 * `Retry-After` may make us wait.
 */

/** Answers above this are abandoned while they stream in (a status answer is a few KB). */
export const DEFAULT_MAX_ANSWER_BYTES = 10 * 1024 * 1024;
/** Free text from the service (`error_msg`, `message`) is cut to this many characters. */
export const MAX_FREE_TEXT_CHARS = 2048;
/** The longest `Retry-After` obeyed: a server asking for more is asking for something we will not honour. */
export const MAX_RETRY_AFTER_MS = 60 * 60_000;

/** `text` cut to `max` characters with a marker saying how long it was; unchanged when it fits. */
export function truncateText(text: string, max: number = MAX_FREE_TEXT_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… [truncated: ${text.length} characters in all]`;
}

/** `10 MB` for whole mebibytes, else bytes. */
export function formatBytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return Number.isInteger(mb) ? `${mb} MB` : `${bytes} bytes`;
}
