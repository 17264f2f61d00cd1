/**
 * Which Worker Deployment Version a worker process serves (Temporal Worker Versioning), and the worker options that
 * say so. Versioning is opt-in: without MODELARTS_DEPLOYMENT_NAME the worker is unversioned, so `dev`, the tests and
 * the native stack work as before (a versioned worker gets no tasks until its deployment has a current version).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerOptions } from '@temporalio/worker';
import { ConfigError } from '../config-error.js';

export interface WorkerVersion {
  deploymentName: string;
  buildId: string;
}

/** What `npm run build` records next to the compiled code (src/scripts/build-workflow-bundle.ts). */
export interface BuildInfo {
  version: string;
  commit?: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/build-info.json, from dist/deployment/ (running from src/ there is none: the package version is used). */
export const BUILD_INFO_PATH = path.join(here, '..', 'build-info.json');

// The server joins them as "name:buildId" in visibility and the CLI; keep both to plain, quotable characters.
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const BUILD_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
export const DEPLOYMENT_NAME_RULE = '1-100 letters, digits, "-" or "_" (starting with a letter or digit)';
export const BUILD_ID_RULE = '1-100 letters, digits, ".", "-" or "_" (starting with a letter or digit)';
export const isDeploymentName = (value: string): boolean => NAME.test(value);
export const isBuildId = (value: string): boolean => BUILD_ID.test(value);

function readJson<T>(file: string): T | undefined {
  try {
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
  } catch {
    return undefined;
  }
}

/** The build id a built package carries: "<package version>-<commit>" (or the version alone without git). */
export function defaultBuildId(info: BuildInfo | undefined = readJson<BuildInfo>(BUILD_INFO_PATH)): string {
  const version =
    info?.version ?? readJson<{ version?: string }>(path.join(here, '..', '..', 'package.json'))?.version ?? '0.0.0';
  return info?.commit ? `${version}-${info.commit}` : version;
}

/**
 * MODELARTS_DEPLOYMENT_NAME turns versioning on; MODELARTS_BUILD_ID overrides the build id (CI often knows a better
 * one, e.g. an image tag). Returns undefined for an unversioned worker.
 */
export function workerVersionFromEnv(env: Record<string, string | undefined>): WorkerVersion | undefined {
  const name = env.MODELARTS_DEPLOYMENT_NAME?.trim() || undefined;
  const buildId = env.MODELARTS_BUILD_ID?.trim() || undefined;
  const problems: string[] = [];
  if (name !== undefined && !NAME.test(name))
    problems.push(`MODELARTS_DEPLOYMENT_NAME must be ${DEPLOYMENT_NAME_RULE}; got ${JSON.stringify(name)}`);
  if (buildId !== undefined && !BUILD_ID.test(buildId))
    problems.push(`MODELARTS_BUILD_ID must be ${BUILD_ID_RULE}; got ${JSON.stringify(buildId)}`);
  if (buildId !== undefined && name === undefined)
    problems.push('MODELARTS_BUILD_ID is set but MODELARTS_DEPLOYMENT_NAME is not: versioning needs both (or neither)');
  if (problems.length > 0) throw new ConfigError(problems);
  return name === undefined ? undefined : { deploymentName: name, buildId: buildId ?? defaultBuildId() };
}

/**
 * The deployment options for every Worker this process creates (the workflow worker and any activity-only worker
 * beside it). Workflows we define declare their own behaviour (pipeline auto-upgrade, steps pinned; see
 * src/workflows/versioning.ts); PINNED is the default for workflows of a custom bundle, the safe choice for code we
 * do not know.
 */
export function deploymentOptions(version: WorkerVersion | undefined): Pick<WorkerOptions, 'workerDeploymentOptions'> {
  if (!version) return {};
  return { workerDeploymentOptions: { version, useWorkerVersioning: true, defaultVersioningBehavior: 'PINNED' } };
}
