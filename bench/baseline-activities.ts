/** No-op activities of the overhead baseline (bench/baseline.ts); registered by the bench worker next to ours. */
export const baselineActivities = {
  async baselineCreate(_input: { datasetId: string }): Promise<{ taskId: string; reattached: boolean }> {
    return { taskId: 'baseline-task', reattached: false };
  },
  async baselineRead(input: { taskId: string; last: boolean }): Promise<{ status: string; terminal: boolean }> {
    return input.last ? { status: 'SUCCESSED', terminal: true } : { status: 'RUNNING', terminal: false };
  },
};

export type BaselineActivities = typeof baselineActivities;
