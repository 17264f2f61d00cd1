/** The simulator's admin API over HTTP, for a simulator in another process (the native stack, chaos runs). */
import type { IamPolicy } from '../modelarts/permissions.js';
import type { LoggedRequest } from './api-limits.js';
import type { Denial } from './policy.js';
import type { Counters, FaultConfig, SeedDataset, TaskBehavior } from './types.js';

export class SimulatorAdmin {
  /** `adminToken`: the simulator's admin token, when it was started with one. */
  constructor(
    readonly url: string,
    private readonly adminToken?: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
        ...(this.adminToken ? { authorization: `Bearer ${this.adminToken}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  createDataset(seed: SeedDataset): Promise<{ dataset_id: string }> {
    return this.call('POST', '/_sim/datasets', seed);
  }

  setBehavior(datasetId: string, behavior: Partial<TaskBehavior>): Promise<void> {
    return this.call('PUT', `/_sim/datasets/${datasetId}/behavior`, behavior);
  }

  /** A behaviour for the next task created on the dataset only. */
  queueBehavior(datasetId: string, behavior: Partial<TaskBehavior>): Promise<void> {
    return this.call('POST', `/_sim/datasets/${datasetId}/next-behavior`, behavior);
  }

  setFaults(faults: FaultConfig): Promise<FaultConfig> {
    return this.call('PUT', '/_sim/faults', faults);
  }

  /** Every ModelArts request the simulated gateway saw (bounded log), with whether it was throttled. */
  requests(): Promise<LoggedRequest[]> {
    return this.call('GET', '/_sim/requests');
  }

  clearRequests(): Promise<void> {
    return this.call('DELETE', '/_sim/requests');
  }

  counters(): Promise<Counters> {
    return this.call('GET', '/_sim/counters');
  }

  /** Holds callers to this IAM policy (undefined: none). */
  async setPolicy(policy: IamPolicy | undefined): Promise<void> {
    await (policy === undefined ? this.call('DELETE', '/_sim/policy') : this.call('PUT', '/_sim/policy', policy));
  }

  /** Calls the policy refused. */
  denials(): Promise<Denial[]> {
    return this.call('GET', '/_sim/denials');
  }
}
