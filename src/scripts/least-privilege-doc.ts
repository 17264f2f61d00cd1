/**
 * docs/least-privilege.md, generated from the permission table (src/modelarts/permissions.ts) by
 * `npm run docs:reference`, so the page shows exactly what `modelarts-export policy` prints.
 */
import {
  DEPENDENCY_TABLE,
  leastPrivilegePolicies,
  modelArtsActions,
  obsActions,
  PERMISSION_TABLES,
  ROUTE_PERMISSIONS,
} from '../modelarts/permissions.js';
import { SCOPE_NOTE } from '../cli/policy.js';

const cell = (text: string) => text.replace(/\|/g, '\\|');
const code = (text: string) => `\`${text}\``;
const rows = Object.entries(ROUTE_PERMISSIONS);

function modelArtsTable(): string[] {
  return [
    '| Action | Calls that need it | What the product makes them for | Table row |',
    '|---|---|---|---|',
    ...modelArtsActions().flatMap((action) =>
      rows
        .filter(([, p]) => p.action === action)
        .map(
          ([route, p], i) =>
            `| ${i === 0 ? code(action) : ''} | ${code(route)} (${p.methods.map((m) => code(`${m}()`)).join(', ')}) | ` +
            `${cell(p.use)} | ${p.row}: "${p.permission}" |`,
        ),
    ),
  ];
}

function obsTable(): string[] {
  return [
    '| Action | Needed by | Why |',
    '|---|---|---|',
    ...obsActions().map((action) => {
      const listed = rows.filter(([, p]) => p.related.includes(action));
      const implied = rows.filter(([, p]) => p.implied?.actions.includes(action));
      const why = [
        ...listed.map(([, p]) => `"Related Action" of ${p.row} ("${p.permission}")`),
        ...implied.map(([, p]) => `implied: ${p.implied!.why} (Table 8 of the dependencies page)`),
      ];
      const by = [...listed, ...implied].map(([route]) => code(route));
      return `| ${code(action)} | ${[...new Set(by)].join(', ')} | ${cell(why.join('; '))} |`;
    }),
  ];
}

export function leastPrivilegeReference(generated: string): string {
  const { project, global } = leastPrivilegePolicies();
  return [
    generated,
    '',
    '# Least privilege: the IAM policy for the worker',
    '',
    'The worker (and `doctor`) call ModelArts with the credentials in `MODELARTS_*` / `OS_*` (docs/configuration.md).',
    'An IAM user for them needs exactly the actions below: the ModelArts actions of every call the product makes, and',
    'the OBS actions ModelArts performs with the same rights when it exports to, imports from or publishes into OBS.',
    '`modelarts-export policy` prints the same policies (`--scope project` or `--scope global` for one bare document',
    'to paste into the IAM console, `--json` for both).',
    '',
    'IAM does not let one custom policy mix project-level services (ModelArts) with global services (OBS), so there are',
    'two custom policies (IAM console, Permissions > Policies/Roles > Create Custom Policy, JSON view):',
    '',
    `## Project-level policy (ModelArts)`,
    '',
    SCOPE_NOTE.project,
    '',
    '```json',
    JSON.stringify(project, null, 2),
    '```',
    '',
    `## Global policy (OBS)`,
    '',
    SCOPE_NOTE.global,
    '',
    '```json',
    JSON.stringify(global, null, 2),
    '```',
    '',
    '## Each ModelArts action',
    '',
    `Every call the client makes (src/modelarts/client.ts), with the row of the OTC permission tables that names its`,
    `action: ${code(PERMISSION_TABLES)}. That file left the repository's main branch in November 2024; the commit cited`,
    'is its last version, and "line" is the line of that file.',
    '',
    ...modelArtsTable(),
    '',
    '## Each OBS action',
    '',
    'The "Related Action" column of the same tables lists the OBS actions a call needs; where it lists none but the',
    'call reads or writes OBS, the actions are taken from the OBS dependencies of data management in',
    `${code(DEPENDENCY_TABLE)}.`,
    '',
    ...obsTable(),
    '',
    'Narrower still: OBS actions accept a `Resource` list such as `obs:*:*:bucket:my-bucket` and',
    '`obs:*:*:object:my-bucket/exports/*`, which limits them to the buckets and folders your specs use. Teams that',
    'never run intelligent tasks can leave out `modelarts:dataset:updateDataset` and the OBS actions only',
    '`POST .../tasks` needs (the bucket ACL and policy ones); a run that needs them then fails with 403 naming the',
    'action.',
    '',
    '## Checking credentials: `modelarts-export doctor`',
    '',
    'Prints one line per action: `ok` (a read-only call that needs it succeeded: `GET .../datasets`,',
    '`GET .../datasets/{dataset_id}`), `missing` (refused with 403), `unchecked` (only a call that creates or changes',
    'something needs it, and ModelArts documents no dry run; or it is an OBS action), `failed` (the check could not run).',
    'It creates nothing, and exits 1 naming each missing action.',
    '',
    '## How the policy is proven enough',
    '',
    'The simulator enforces an IAM policy given to it (`modelarts-export simulator --policy FILE`, the `policy` option,',
    'or `PUT /_sim/policy`): a call whose action the policy does not allow is answered `403 ModelArts.0108` "You are',
    'not authorized to perform the (action) operation." (the error-code appendix), before anything is created. The',
    "integration tests' harness runs the simulator under the project-level policy above and fails a test that made any",
    'call the policy refused, so the whole integration suite runs on exactly these actions. The simulator does not',
    'emulate OBS, so the OBS policy is checked against the tables only.',
    '',
  ].join('\n');
}
