/**
 * Least privilege: every ModelArts call the client makes (method + route template, as `send` names it), the IAM
 * action it needs, and the OBS actions it needs or implies. The least-privilege policy (`modelarts-export policy`,
 * docs/least-privilege.md), the simulator's policy enforcement and `modelarts-export doctor` all read this one
 * table; test/unit/permissions.test.ts fails when the client calls a route that has no row here, or a row no call
 * uses.
 *
 * Sources (OTC, opentelekomcloud-docs/modelarts):
 * - PERMISSION_TABLES: the fine-grained permission tables of the API reference. The file left the repository's main
 *   branch in commit f3d1df8 (Nov 2024, a restructuring); its last version is the one cited, line by line.
 * - DEPENDENCY_TABLE: the user guide's "Agencies and Dependencies", Table 8 "Managing datasets", which lists the OBS
 *   actions data management depends on; the OBS actions a row marks `implied` are taken from it.
 */

export const PERMISSION_TABLES =
  'opentelekomcloud-docs/modelarts api-ref/source/permissions_policies_and_supported_actions/data_management_permissions.rst ' +
  '@ aed5c3e2da74c0a7416b96623e804c281b033666';
export const DEPENDENCY_TABLE =
  'opentelekomcloud-docs/modelarts umn/source/permissions_management/permission_management_mechanisms/agencies_and_dependencies.rst ' +
  '@ 1ba1873d960563c60759f67898a855d9ba3c3502, Table 8 "Managing datasets"';

export interface RoutePermission {
  /** The row's "Permission" column. */
  permission: string;
  /** Where the row is: table and line of the .rst at PERMISSION_TABLES. */
  row: string;
  /** The row's "Action" column: what the IAM policy must allow for this call. */
  action: string;
  /** The row's "Related Action" column (OBS actions ModelArts performs with the caller's rights). */
  related: readonly string[];
  /** OBS actions the call needs that its row does not list, and why (from DEPENDENCY_TABLE). */
  implied?: { actions: readonly string[]; why: string };
  /** The client methods that make this call (ModelArtsClient). */
  methods: readonly string[];
  /** What the product makes this call for. */
  use: string;
}

const P = '/v2/{project_id}';
const D = `${P}/datasets/{dataset_id}`;

/** Key: `METHOD /v2/{project_id}/...`, the route template the client sends (src/modelarts/client.ts). */
export const ROUTE_PERMISSIONS: Readonly<Record<string, RoutePermission>> = {
  [`GET ${P}/datasets`]: {
    permission: 'Querying the Dataset List',
    row: 'Table 1, line 13',
    action: 'modelarts:dataset:listDatasets',
    related: [],
    methods: ['listDatasets', 'findDatasetByName'],
    use: 'finding a dataset by name: the dataset a NEW_DATASET export created, and the name check before such an export',
  },
  [`GET ${D}`]: {
    permission: 'Querying Details About a Dataset',
    row: 'Table 1, line 25',
    action: 'modelarts:dataset:getDataset',
    related: [],
    methods: ['getDataset'],
    use: '`doctor` only (the worker reads datasets through the list); the same action covers every read below',
  },
  [`GET ${D}/versions`]: {
    permission: 'Querying the Dataset Version List',
    row: 'Table 2, line 49',
    action: 'modelarts:dataset:getDataset',
    related: [],
    methods: ['listVersions'],
    use: 'reattaching to a version a run already published (after a retry or a crash)',
  },
  [`POST ${D}/versions`]: {
    permission: 'Creating a Dataset Labeling Version',
    row: 'Table 2, line 51',
    action: 'modelarts:dataset:createDatasetVersion',
    related: ['obs:object:PutObject'],
    methods: ['createVersion'],
    use: 'publishing a dataset version (a `publish-version` step)',
  },
  [`GET ${D}/versions/{version_id}`]: {
    permission: 'Querying Details About a Dataset Version',
    row: 'Table 2, line 53',
    action: 'modelarts:dataset:getDataset',
    related: [],
    methods: ['getVersion'],
    use: 'waiting for a version to be published',
  },
  [`GET ${D}/import-tasks`]: {
    permission: 'Querying the Dataset Import Task List',
    row: 'Table 10, line 187',
    action: 'modelarts:dataset:getDataset',
    related: [],
    methods: ['listImportTasks'],
    use: 'reattaching to an import task a run already created',
  },
  [`POST ${D}/import-tasks`]: {
    permission: 'Creating a Dataset Import Task',
    row: 'Table 10, line 189',
    action: 'modelarts:dataset:createImportTask',
    related: [],
    implied: {
      actions: ['obs:bucket:HeadBucket', 'obs:bucket:ListBucket', 'obs:object:GetObject'],
      why: 'an import reads the objects under `import_path`: it checks the bucket, lists the folder and reads each file',
    },
    methods: ['createImportTask'],
    use: 'importing from OBS (an `import` step)',
  },
  [`GET ${D}/import-tasks/{task_id}`]: {
    permission: 'Querying Details About a Dataset Import Task',
    row: 'Table 10, line 191',
    action: 'modelarts:dataset:getDataset',
    related: [],
    methods: ['getImportTask'],
    use: 'waiting for an import task',
  },
  [`GET ${D}/export-tasks`]: {
    permission: 'Querying the Dataset Export Task List',
    row: 'Table 11, line 199',
    action: 'modelarts:dataset:getDataset',
    related: [],
    methods: ['listExportTasks'],
    use: 'reattaching to an export task a run already created (no duplicate tasks on retry)',
  },
  [`POST ${D}/export-tasks`]: {
    permission: 'Creating a Dataset Export Task',
    row: 'Table 11, line 201',
    action: 'modelarts:dataset:createExportTask',
    related: [],
    implied: {
      actions: ['obs:bucket:HeadBucket', 'obs:bucket:ListBucket', 'obs:object:PutObject'],
      why:
        "an export writes files under `path` (or the new dataset's work path for NEW_DATASET), after checking that " +
        'the bucket and folder exist (ModelArts.4311, 4312)',
    },
    methods: ['createExportTask'],
    use: 'every export (to OBS, or to a new dataset)',
  },
  // The table writes this route with {resource_id}; it is the dataset id, as in the API page.
  [`GET ${D}/export-tasks/{task_id}`]: {
    permission: 'Querying the Status of a Dataset Export Task',
    row: 'Table 11, line 203',
    action: 'modelarts:dataset:getDataset',
    related: [],
    methods: ['getExportTask'],
    use: 'waiting for an export task',
  },
  [`GET ${D}/tasks`]: {
    permission: 'Querying Auto Labeling Tasks by Page',
    row: 'Table 13, line 227',
    action: 'modelarts:dataset:getDataset',
    related: [],
    methods: ['listTasks'],
    use: 'reattaching to an intelligent task a run already started',
  },
  [`POST ${D}/tasks`]: {
    permission: 'Starting an Auto Labeling Task',
    row: 'Table 13, lines 229-243',
    action: 'modelarts:dataset:updateDataset',
    related: [
      'obs:bucket:PutBucketAcl',
      'obs:bucket:GetBucketAcl',
      'obs:bucket:GetBucketPolicy',
      'obs:bucket:DeleteBucketPolicy',
      'obs:bucket:ListBucket',
      'obs:bucket:ListAllMyBuckets',
      'obs:object:DeleteObject',
      'obs:bucket:ListBucketVersions',
    ],
    methods: ['startTask'],
    use: 'starting auto labeling, pre-labeling or auto grouping (an `intelligent-task` step)',
  },
  [`GET ${D}/tasks/{task_id}`]: {
    permission: 'Querying Details About an Auto Labeling Task',
    row: 'Table 13, line 245',
    action: 'modelarts:dataset:getDataset',
    related: [],
    methods: ['getTask'],
    use: 'waiting for an intelligent task (`intelligent-task` and `wait-task` steps)',
  },
  [`POST ${D}/tasks/{task_id}/stop`]: {
    permission: 'Stopping an Auto Labeling Task',
    row: 'Table 13, line 247',
    action: 'modelarts:dataset:updateDataset',
    related: [],
    methods: ['stopTask'],
    use: 'cancelling a run that started an intelligent task',
  },
};

/** The row for a call, or undefined when the table has none (a bug the unit test catches). */
export function permissionFor(method: string, route: string): RoutePermission | undefined {
  return ROUTE_PERMISSIONS[`${method} ${route}`];
}

// ---------------------------------------------------------------------------------------------------------------
// IAM custom policies (Version 1.1)
// ---------------------------------------------------------------------------------------------------------------

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
}

/** An OTC/Huawei Cloud IAM custom policy document (fine-grained, Version 1.1). */
export interface IamPolicy {
  Version: '1.1';
  Statement: PolicyStatement[];
}

const unique = (actions: Iterable<string>) => [...new Set(actions)].sort();

/** Every ModelArts action the product needs (project-level service). */
export function modelArtsActions(): string[] {
  return unique(Object.values(ROUTE_PERMISSIONS).map((p) => p.action));
}

/** Every OBS action the product's calls need or imply (OBS is a global service). */
export function obsActions(): string[] {
  return unique(Object.values(ROUTE_PERMISSIONS).flatMap((p) => [...p.related, ...(p.implied?.actions ?? [])]));
}

const allow = (actions: string[]): IamPolicy => ({
  Version: '1.1',
  Statement: [{ Effect: 'Allow', Action: actions }],
});

/**
 * The least-privilege policies. Two documents, because IAM does not let one custom policy mix project-level
 * services (ModelArts) with global ones (OBS): `project` is created with scope "Project-level services" and
 * attached in the ModelArts region's project, `global` with scope "Global services".
 */
export function leastPrivilegePolicies(): { project: IamPolicy; global: IamPolicy } {
  return { project: allow(modelArtsActions()), global: allow(obsActions()) };
}

/** A policy file that is not a document the simulator can evaluate. */
export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

const ACTION = /^[A-Za-z0-9*?]+:[A-Za-z0-9*?]+:[A-Za-z0-9*?]+$/;

/**
 * Reads a policy document, naming the first field that is wrong (`source` says where it came from). Only Effect
 * and Action are evaluated, so a Condition or Resource is refused rather than silently ignored.
 */
export function parsePolicy(json: unknown, source = 'policy'): IamPolicy {
  const fail = (what: string): never => {
    throw new PolicyError(`${source}: ${what}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    fail('must be a JSON object {"Version":"1.1","Statement":[...]}');
  const doc = json as Record<string, unknown>;
  for (const key of Object.keys(doc))
    if (key !== 'Version' && key !== 'Statement') fail(`unknown field "${key}"; allowed: Version, Statement`);
  if (doc.Version !== '1.1')
    fail(`Version must be "1.1" (a fine-grained custom policy); got ${JSON.stringify(doc.Version)}`);
  if (!Array.isArray(doc.Statement) || doc.Statement.length === 0) fail('Statement must be a non-empty array');
  const statements = (doc.Statement as unknown[]).map((raw, i): PolicyStatement => {
    const at = `Statement[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(`${at} must be an object`);
    const s = raw as Record<string, unknown>;
    for (const key of Object.keys(s))
      if (key !== 'Effect' && key !== 'Action')
        fail(`${at}.${key} is not supported (the simulator evaluates Effect and Action only)`);
    const effect = s.Effect;
    if (effect !== 'Allow' && effect !== 'Deny')
      return fail(`${at}.Effect must be "Allow" or "Deny"; got ${JSON.stringify(effect)}`);
    if (!Array.isArray(s.Action) || s.Action.length === 0) fail(`${at}.Action must be a non-empty array of actions`);
    (s.Action as unknown[]).forEach((a, j) => {
      if (typeof a !== 'string' || !ACTION.test(a))
        fail(
          `${at}.Action[${j}] must look like service:resource:operation (e.g. modelarts:dataset:getDataset); got ${JSON.stringify(a)}`,
        );
    });
    return { Effect: effect, Action: [...(s.Action as string[])] };
  });
  return { Version: '1.1', Statement: statements };
}

/** `modelarts:dataset:*`-style patterns: `*` any run of characters, `?` one; case-insensitive, as IAM matches. */
function matches(pattern: string, action: string): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 'i').test(action);
}

/** IAM's rule: allowed when some Allow statement matches and no Deny does (an explicit deny wins). */
export function policyAllows(policy: IamPolicy, action: string): boolean {
  const hit = (effect: PolicyStatement['Effect']) =>
    policy.Statement.some((s) => s.Effect === effect && s.Action.some((p) => matches(p, action)));
  return !hit('Deny') && hit('Allow');
}
