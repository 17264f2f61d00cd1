/**
 * Versioned workers and the `deploy` commands: bad deployment names, build ids, percentages and timeouts are
 * rejected before anything is contacted, naming the variable or flag and what is allowed.
 */
import { newestCandidate, previousVersion, type DeploymentState } from '../../src/client/deployment.js';
import { workerConfigFromEnv } from '../../src/config.js';
import { defaultBuildId, deploymentOptions } from '../../src/deployment/worker-version.js';
import { cli, rejected } from '../support/cli-in-process.js';
import { configProblems, MODELARTS_ENV } from '../support/worker-config.js';

describe('versioned workers from the environment', () => {
  it('is unversioned without MODELARTS_DEPLOYMENT_NAME, so a worker needs no deployment set up', () => {
    const config = workerConfigFromEnv(MODELARTS_ENV);
    expect(config.deployment).toBeUndefined();
    expect(deploymentOptions(config.deployment)).toEqual({});
  });

  it('serves name + MODELARTS_BUILD_ID, pinned by default for workflows that declare nothing', () => {
    const config = workerConfigFromEnv({
      ...MODELARTS_ENV,
      MODELARTS_DEPLOYMENT_NAME: 'exports',
      MODELARTS_BUILD_ID: '1.2.0-abc',
    });
    expect(config.deployment).toEqual({ deploymentName: 'exports', buildId: '1.2.0-abc' });
    expect(deploymentOptions(config.deployment)).toEqual({
      workerDeploymentOptions: {
        version: { deploymentName: 'exports', buildId: '1.2.0-abc' },
        useWorkerVersioning: true,
        defaultVersioningBehavior: 'PINNED',
      },
    });
  });

  it('defaults the build id to the package version and the commit recorded at build time', () => {
    expect(defaultBuildId({ version: '0.3.0', commit: 'deadbeef01' })).toBe('0.3.0-deadbeef01');
    expect(defaultBuildId({ version: '0.3.0' })).toBe('0.3.0');
    const config = workerConfigFromEnv({ ...MODELARTS_ENV, MODELARTS_DEPLOYMENT_NAME: 'exports' });
    expect(config.deployment?.buildId).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    [{ MODELARTS_DEPLOYMENT_NAME: 'has space' }, /^MODELARTS_DEPLOYMENT_NAME must be 1-100 letters/],
    [{ MODELARTS_DEPLOYMENT_NAME: 'a:b' }, /^MODELARTS_DEPLOYMENT_NAME must be/],
    [{ MODELARTS_DEPLOYMENT_NAME: 'ok', MODELARTS_BUILD_ID: 'v1/2' }, /^MODELARTS_BUILD_ID must be 1-100 letters/],
    [{ MODELARTS_BUILD_ID: 'v1' }, /^MODELARTS_BUILD_ID is set but MODELARTS_DEPLOYMENT_NAME is not/],
  ])('rejects %j', (env, message) => {
    expect(configProblems({ ...MODELARTS_ENV, ...env })).toEqual([expect.stringMatching(message)]);
  });
});

describe('deploy commands reject bad input before contacting Temporal', () => {
  it.each([
    [['deploy', 'status'], /--deployment is required \(or set MODELARTS_DEPLOYMENT_NAME/],
    [['deploy', 'status', '--deployment', 'bad name'], /--deployment must be 1-100 letters/],
    [['deploy', 'ramp', '150', '--deployment', 'd'], /PERCENT must be a number from 0 to 100/],
    [['deploy', 'ramp', '-5', '--deployment', 'd'], /./],
    [['deploy', 'ramp', 'ten', '--deployment', 'd'], /PERCENT must be a number from 0 to 100.*"ten"/],
    [['deploy', 'promote', '--deployment', 'd', '--build-id', 'a b'], /--build-id must be 1-100 letters/],
    [
      ['deploy', 'promote', '--deployment', 'd', '--drain', '--timeout', '0'],
      /--timeout must be a whole number of seconds/,
    ],
    [['deploy', 'rollback', '--deployment', 'd', '--build-id', '../x'], /--build-id must be/],
    [['deploy', 'drain', 'x y', '--deployment', 'd'], /BUILD_ID must be/],
  ])('%j', async (argv, message) => {
    expect(await rejected(...argv)).toMatch(message);
  });

  it('accepts good input and only then tries to reach Temporal', async () => {
    const r = await cli('deploy', 'ramp', '25', '--deployment', 'exports', '--build-id', '1.2.0-abc');
    expect(r.stderr).toMatch(/cannot reach Temporal/);
  });
});

describe('which version promote and rollback pick without --build-id', () => {
  const at = (iso: string) => new Date(iso);
  const state: DeploymentState = {
    deploymentName: 'exports',
    routingPropagated: true,
    current: 'c',
    // Newest first, as describeDeployment sorts them.
    versions: [
      { buildId: 'd', status: 'INACTIVE', createdAt: at('2026-11-04T00:00:00Z') },
      { buildId: 'c', status: 'CURRENT', createdAt: at('2026-11-03T00:00:00Z') },
      {
        buildId: 'b',
        status: 'DRAINED',
        createdAt: at('2026-11-02T00:00:00Z'),
        lastDeactivatedAt: at('2026-11-03T01:00:00Z'),
      },
      {
        buildId: 'a',
        status: 'DRAINED',
        createdAt: at('2026-11-01T00:00:00Z'),
        lastDeactivatedAt: at('2026-11-02T01:00:00Z'),
      },
    ],
  };

  it('promotes the newest version that is not current', () => {
    expect(newestCandidate(state)).toBe('d');
    expect(newestCandidate({ ...state, versions: state.versions.slice(1) })).toBe('b');
  });

  it('rolls back to the version that was current last, not the newest or the oldest', () => {
    expect(previousVersion(state)).toBe('b');
    expect(
      previousVersion({ ...state, versions: state.versions.filter((v) => v.lastDeactivatedAt === undefined) }),
    ).toBeUndefined();
  });
});
