/** The start activities' answers carry the task id's keyed hash when the worker holds the run's tenant key. */
import { randomBytes } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { withTaskIdSearchValues } from '../../src/activities/search-hash.js';
import type { StartAnswer } from '../../src/activities/types.js';
import { StaticKeySource } from '../../src/sealed/key-source.js';
import { taskIdHash } from '../../src/sealed/search-hash.js';

const a1 = { tenant: 'team-a', id: 'a1', bytes: randomBytes(32) };
const keys = new StaticKeySource(new Map([['team-a', { current: 'a1', keys: new Map([['a1', a1.bytes]]) }]]));
const started: StartAnswer = { taskId: 'T1', reattached: false };
const busy: StartAnswer = { busy: true, errorCode: 'ModelArts.4343', reason: 'an import is running' };

function activities(answer: StartAnswer) {
  const start = async () => answer;
  const readStatus = async () => ({ status: 'RUNNING' });
  return { createOrReattachExport: start, publishOrReattachVersion: start, readStatus };
}

/** Runs an activity as if scheduled by the workflow `workflowId`. */
function runFor<A extends unknown[], R>(workflowId: string, fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  const info = { workflowExecution: { workflowId, runId: 'r' } };
  return new MockActivityEnvironment(info as never).run(fn, ...args);
}

describe('withTaskIdSearchValues', () => {
  it("adds the task id's hash under the tenant's current key to every start activity's answer", async () => {
    const wrapped = withTaskIdSearchValues(activities(started), keys);
    const expected = { ...started, taskIdSearchValue: taskIdHash(a1, 'T1') };
    expect(await runFor('team-a~nightly.step-1', wrapped.createOrReattachExport)).toEqual(expected);
    expect(await runFor('team-a~nightly.step-2', wrapped.publishOrReattachVersion)).toEqual(expected);
  });

  it('leaves busy answers, other activities, and runs of a tenant without a key as they are', async () => {
    const wrapped = withTaskIdSearchValues(activities(busy), keys);
    expect(await runFor('team-a~r.step-1', wrapped.createOrReattachExport)).toEqual(busy);
    const plain = withTaskIdSearchValues(activities(started), keys);
    expect(await runFor('team-a~r.step-1', plain.readStatus)).toEqual({ status: 'RUNNING' });
    // The task exists: its answer goes back whole, and the step hashes the id itself or names the missing key.
    expect(await runFor('team-z~r.step-1', plain.createOrReattachExport)).toEqual(started);
  });

  it('returns the activities themselves when the worker holds no keys', () => {
    const own = activities(started);
    expect(withTaskIdSearchValues(own, undefined)).toBe(own);
  });
});
