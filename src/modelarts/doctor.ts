/**
 * `modelarts-export doctor`: do the configured credentials have the least-privilege actions? Checked with read-only
 * calls only, one per action where such a call exists (listDatasets, getDataset). The other actions are needed
 * only by calls that create or change something (ModelArts documents no dry run for them), and OBS actions are
 * used by ModelArts inside OBS, so doctor says "unchecked" for them rather than creating anything to find out.
 */
import type { ModelArtsClient } from './client.js';
import { ModelArtsApiError } from './errors.js';
import { modelArtsActions, obsActions, ROUTE_PERMISSIONS } from './permissions.js';

export type AccessState = 'ok' | 'missing' | 'unchecked' | 'failed';

export interface AccessCheck {
  action: string;
  /** Which of the two least-privilege policies holds it (`modelarts-export policy`). */
  policy: 'project' | 'global';
  state: AccessState;
  detail: string;
}

/** 403s that are about the credentials or the project, not about a missing action. */
const NOT_PERMISSION_CODES = new Set(['ModelArts.0203', 'ModelArts.0206', 'ModelArts.0210', 'ModelArts.2784']);

/** The calls that need an action, as `METHOD /v2/{project_id}/...`. */
function callsNeeding(action: string): string[] {
  return Object.entries(ROUTE_PERMISSIONS)
    .filter(([, p]) => p.action === action || p.related.includes(action) || p.implied?.actions.includes(action))
    .map(([route]) => route);
}

/** How one read answered: ok, or the action is missing (403), or something else went wrong. */
async function probe(
  action: string,
  call: () => Promise<unknown>,
  what: string,
): Promise<{ check: AccessCheck; error?: unknown }> {
  const check = (state: AccessState, detail: string): AccessCheck => ({ action, policy: 'project', state, detail });
  try {
    await call();
    return { check: check('ok', `${what} answered`) };
  } catch (error) {
    if (
      error instanceof ModelArtsApiError &&
      error.httpStatus === 403 &&
      !NOT_PERMISSION_CODES.has(error.errorCode ?? '')
    )
      return {
        check: check('missing', `${what} was refused: ${error.errorCode ?? 'HTTP 403'} ${error.errorMsg ?? ''}`.trim()),
        error,
      };
    return { check: check('failed', `${what} failed: ${(error as Error).message}`), error };
  }
}

export async function checkAccess(
  client: ModelArtsClient,
  options: { datasetId?: string } = {},
): Promise<AccessCheck[]> {
  const checks: AccessCheck[] = [];

  let firstDataset: string | undefined;
  const list = await probe(
    'modelarts:dataset:listDatasets',
    async () => {
      firstDataset = (await client.listDatasets({ limit: 1 })).datasets[0]?.dataset_id;
    },
    'GET /v2/{project_id}/datasets',
  );
  checks.push(list.check);

  const datasetId = options.datasetId ?? firstDataset;
  if (datasetId === undefined) {
    checks.push({
      action: 'modelarts:dataset:getDataset',
      policy: 'project',
      state: 'unchecked',
      detail: 'no dataset to read (the list was empty or refused): pass --dataset ID',
    });
  } else {
    const get = await probe(
      'modelarts:dataset:getDataset',
      () => client.getDataset(datasetId),
      `GET /v2/{project_id}/datasets/${datasetId}`,
    );
    // A dataset that does not exist proves nothing about the action (the service may look it up first).
    if (get.error instanceof ModelArtsApiError && get.error.errorCode === 'ModelArts.4352')
      get.check = {
        ...get.check,
        state: 'unchecked',
        detail: `dataset ${datasetId} does not exist: pass --dataset ID`,
      };
    checks.push(get.check);
  }

  const checked = new Set(checks.map((c) => c.action));
  for (const action of modelArtsActions().filter((a) => !checked.has(a)))
    checks.push({
      action,
      policy: 'project',
      state: 'unchecked',
      detail: `needed only by calls that create or change something (${callsNeeding(action).join(', ')}); ModelArts documents no dry run`,
    });
  for (const action of obsActions())
    checks.push({
      action,
      policy: 'global',
      state: 'unchecked',
      detail: `used by ModelArts in OBS with your rights for ${callsNeeding(action).join(', ')}; doctor calls ModelArts only`,
    });
  return checks;
}
