/** The activities over the real client and a simulator on real HTTP, run as Temporal runs them. */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities/index.js';
import { AkSkAuth } from '../../src/modelarts/auth.js';
import { ModelArtsClient } from '../../src/modelarts/client.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import type { StartAnswer, StartedTask } from '../../src/activities/types.js';

export interface ActivityEnv {
  sim: Simulator;
  client: ModelArtsClient;
  activities: ReturnType<typeof createActivities>;
}

/** A simulator that accepts one AK/SK pair, and the activities signing with it. */
export async function startActivityEnv(
  credentials: { accessKey: string; secretKey: string },
  options: Omit<SimulatorOptions, 'credentials'> = {},
): Promise<ActivityEnv> {
  const sim = await startSimulator({ credentials: [credentials], ...options });
  const client = new ModelArtsClient({ endpoint: sim.url, projectId: sim.projectId, auth: new AkSkAuth(credentials) });
  return { sim, client, activities: createActivities(client) };
}

/** Runs an activity in a fresh activity context (attempt 1 unless told otherwise). */
export function runActivity<A extends unknown[], R>(fn: (...args: A) => Promise<R>, args: A, attempt = 1): Promise<R> {
  return new MockActivityEnvironment({ attempt }).run(fn, ...args) as Promise<R>;
}

/** Runs a create-or-reattach activity that must create or find its task (not answer busy). */
export async function runStart<A extends unknown[]>(
  fn: (...args: A) => Promise<StartAnswer>,
  args: A,
  attempt = 1,
): Promise<StartedTask> {
  const answer = await runActivity(fn, args, attempt);
  if ('busy' in answer) throw new Error(`the service answered busy: ${answer.errorCode} (${answer.reason})`);
  return answer;
}

/** Awaits an activity that must fail, and returns its ApplicationFailure (type, message, details). */
export async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}
