/**
 * Whose payload is it: the run's tenant, read from its workflow id. A codec learns nothing about a payload but the
 * SerializationContext the SDK gives it (namespace and workflow id, since TS 1.18; 1.24 gives it on the client's
 * start, query, signal and describe, for schedule actions, and in the worker for the run's own payloads, its
 * children's and its activities'), so the tenant must be readable from the workflow id without a lookup:
 *
 *   {tenant}~{anything}   e.g. team-a~nightly-coco, team-a~nightly-coco.step-1 (its steps keep the prefix)
 *
 * `~` is outside the tenant alphabet (src/budget/classes.ts TENANT_PATTERN), so the split is unambiguous. An id
 * without a valid prefix belongs to the `default` tenant. The tenant is no secret: it is the fairness key, which
 * the server already holds in clear.
 */
import type { SerializationContext } from '@temporalio/common';
import { DEFAULT_TENANT, TENANT_PATTERN } from '../budget/classes.js';

export const TENANT_SEPARATOR = '~';

/** The tenant a workflow id names (`team-a~…` → `team-a`), else `default`. */
export function tenantOfWorkflowId(workflowId: string): string {
  const at = workflowId.indexOf(TENANT_SEPARATOR);
  if (at <= 0) return DEFAULT_TENANT;
  const tenant = workflowId.slice(0, at);
  return TENANT_PATTERN.test(tenant) ? tenant : DEFAULT_TENANT;
}

/** The tenant of a payload's owner: from the context's workflow id (an activity's is its workflow's). */
export function tenantOfContext(context: SerializationContext | undefined): string {
  const workflowId = context?.workflowId;
  return workflowId ? tenantOfWorkflowId(workflowId) : DEFAULT_TENANT;
}

/** `id` with the tenant's prefix (unchanged when it already names this tenant, or for the default tenant). */
export function withTenantPrefix(tenant: string, id: string): string {
  if (tenant === DEFAULT_TENANT || tenantOfWorkflowId(id) === tenant) return id;
  return `${tenant}${TENANT_SEPARATOR}${id}`;
}
