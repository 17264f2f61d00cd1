/**
 * IAM policy enforcement, as ModelArts does it after authentication: with a policy in force, a call whose action
 * (src/modelarts/permissions.ts) the policy does not allow is answered 403 ModelArts.0108 naming the action, and
 * recorded, so a test harness can fail a test that made any call outside the policy. Without a policy (the
 * default) every authenticated call is allowed, as for an account's own root user.
 */
import { parsePolicy, permissionFor, policyAllows, type IamPolicy } from '../modelarts/permissions.js';
import { ApiError, Errors } from './errors.js';

export interface Denial {
  atMs: number;
  method: string;
  /** The route template (`/v2/{project_id}/datasets/{dataset_id}/export-tasks`), never ids. */
  route: string;
  action: string;
}

/** Kept denials (a misconfigured run could otherwise fill memory). */
const MAX_DENIALS = 1000;

export class PolicyGate {
  private policy: IamPolicy | undefined;
  private readonly log: Denial[] = [];

  constructor(
    policy: IamPolicy | undefined,
    private readonly now: () => number,
  ) {
    this.set(policy);
  }

  get(): IamPolicy | undefined {
    return this.policy;
  }

  /** Replaces the policy in force; undefined lifts enforcement. */
  set(policy: IamPolicy | undefined): void {
    // Checked here too: a policy from code is not typed at run time, and a bad one must not allow all.
    this.policy = policy === undefined ? undefined : parsePolicy(policy, 'simulator policy');
  }

  /** The 403 to answer, or undefined when the call is allowed. `permission`: `METHOD /v2/{project_id}/...`. */
  check(permission: string): ApiError | undefined {
    if (!this.policy) return undefined;
    const space = permission.indexOf(' ');
    const method = permission.slice(0, space);
    const route = permission.slice(space + 1);
    const row = permissionFor(method, route);
    // Every simulator route has a row (test/unit/permissions.test.ts); a new one without is a bug, said loudly.
    if (!row) throw new Error(`no IAM action known for ${permission} (src/modelarts/permissions.ts)`);
    if (policyAllows(this.policy, row.action)) return undefined;
    this.log.push({ atMs: this.now(), method, route, action: row.action });
    if (this.log.length > MAX_DENIALS) this.log.shift();
    return Errors.notAuthorized(row.action);
  }

  denials(): Denial[] {
    return [...this.log];
  }
}
