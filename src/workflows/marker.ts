/**
 * The reattach marker. ModelArts has no idempotency key, so each step marks what it creates with a name of its own
 * run and step, and every create attempt first looks for a task carrying it:
 *
 *   {readable part of the workflow id}-s{step}-{the whole first run id, hex}
 *
 * Export tasks carry it as a folder under the user's path (the task list echoes `path`); intelligent tasks and
 * versions carry it in their description.
 *
 * - **Different runs never share it.** The first run id is unique per run chain (Temporal's run ids are UUIDs; all
 *   128 bits are kept, so the random part is in, not only the time-ordered prefix of a UUIDv7), so runs that reuse a
 *   workflow id, or whose ids differ only past the readable part, get different markers.
 * - **One run always finds its own.** Activity retries, worker crashes and continue-as-new keep the first run id,
 *   and a step carries its marker in its input, so a step started on an older form keeps finding its task.
 * - **Only documented path characters** (the appendix's ModelArts.4313 lists digits, letters, "-", "_" and "/"):
 *   the workflow id part keeps those and turns any other run of characters into one "_".
 */
const READABLE_LENGTH = 48;
const NOT_PATH_SAFE = /[^A-Za-z0-9_-]+/g;

export function runMarker(workflowId: string, stepIndex: number, firstExecutionRunId: string): string {
  const readable = workflowId.replace(NOT_PATH_SAFE, '_').slice(0, READABLE_LENGTH);
  const run = firstExecutionRunId.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
  // The step before the fixed-length run id: no marker is then a substring of another (`-s1-` is not in `-s11-`).
  return `${readable}-s${stepIndex + 1}-${run}`;
}

/** `/bucket/out/` + marker → `/bucket/out/{marker}/`. Idempotent. */
export function withMarker(path: string, marker: string): string {
  const base = path.endsWith('/') ? path : `${path}/`;
  return base.endsWith(`/${marker}/`) ? base : `${base}${marker}/`;
}

export const DESCRIPTION_MARKER_PREFIX = 'modelarts-temporal:';

export function descriptionWithMarker(description: string | undefined, marker: string): string {
  const tag = `${DESCRIPTION_MARKER_PREFIX}${marker}`;
  if (description?.includes(tag)) return description;
  return description ? `${description} [${tag}]` : tag;
}
