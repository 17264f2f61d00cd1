/**
 * The reattach marker. ModelArts has no idempotency key, so each export step writes into a folder of its own
 * under the user's path, named for the run and the step:
 *
 *   {path}{workflowId}.s{step}.{first 8 characters of the run chain's first run id}/
 *
 * The task list echoes `path`, so before creating a task the start activity lists the dataset's export tasks and
 * reattaches to the one whose path ends with this folder. The name is deterministic across activity retries,
 * worker restarts and continue-as-new (the first run id survives them), and differs for a new run that reuses
 * the workflow id. Intelligent tasks carry the same marker in `config.description`.
 */
const UNSAFE = /[^A-Za-z0-9._-]+/g;

export function runMarker(workflowId: string, stepIndex: number, firstExecutionRunId: string): string {
  const id = workflowId.replace(UNSAFE, '_').slice(0, 80);
  return `${id}.s${stepIndex + 1}.${firstExecutionRunId.replace(/-/g, '').slice(0, 8)}`;
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
