/** The one place that spells out a worker's environment for a local Temporal server and simulator. */

export interface Credentials {
  accessKey: string;
  secretKey: string;
}

export interface WorkerTarget {
  server: { address: string; namespace: string };
  /** Left out when each worker gets its own (chaos's secrets scenario). */
  taskQueue?: string;
  sim: { url: string; projectId: string };
  /** The AK/SK pair the worker signs with; left out when it authenticates another way. */
  credentials?: Credentials;
}

/** TEMPORAL_* and MODELARTS_* for a worker, plus `extra` (tuning, overrides); numbers become strings, undefined is left out. */
export function workerEnv(
  target: WorkerTarget,
  extra: Record<string, string | number | undefined> = {},
): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: target.server.address,
    TEMPORAL_NAMESPACE: target.server.namespace,
    ...(target.taskQueue !== undefined && { TEMPORAL_TASK_QUEUE: target.taskQueue }),
    ...simulatorEnv(target.sim, target.credentials),
    ...Object.fromEntries(
      Object.entries(extra).flatMap(([key, value]) => (value === undefined ? [] : [[key, String(value)]])),
    ),
  };
}

/** MODELARTS_* alone: what points a worker at a simulator. */
export function simulatorEnv(
  sim: { url: string; projectId: string },
  credentials?: Credentials,
): Record<string, string> {
  return {
    MODELARTS_ENDPOINT: sim.url,
    MODELARTS_PROJECT_ID: sim.projectId,
    ...(credentials && { MODELARTS_ACCESS_KEY: credentials.accessKey, MODELARTS_SECRET_KEY: credentials.secretKey }),
  };
}
