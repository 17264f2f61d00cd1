import { describeStatus } from '../../src/polling/status.js';

describe('status tables', () => {
  it('export tasks: INIT waits, RUNNING works, SUCCESSED/FAILED end', () => {
    expect(describeStatus('export', 'INIT')).toEqual({ terminal: false, label: 'initializing', queued: true });
    expect(describeStatus('export', 'RUNNING')).toEqual({ terminal: false, label: 'running', queued: false });
    expect(describeStatus('export', 'SUCCESSED')).toEqual({
      terminal: true,
      outcome: 'succeeded',
      label: 'succeeded',
      queued: false,
    });
    expect(describeStatus('export', 'FAILED')).toMatchObject({ terminal: true, outcome: 'failed' });
  });

  it('export tasks: STOPPING goes on and STOPPED ends as stopped (an earlier official model lists both)', () => {
    expect(describeStatus('export', 'STOPPING')).toEqual({ terminal: false, label: 'stopping', queued: false });
    expect(describeStatus('export', 'STOPPED')).toEqual({
      terminal: true,
      outcome: 'stopped',
      label: 'stopped',
      queued: false,
    });
  });

  it('intelligent tasks: -1..5, with stopping non-terminal and stopped its own outcome', () => {
    const table = [-1, 0, 1, 2, 3, 4, 5].map((s) => describeStatus('intelligent', s));
    expect(table.map((s) => s.terminal)).toEqual([false, false, false, true, true, false, true]);
    expect(table.map((s) => s.outcome)).toEqual([
      undefined,
      undefined,
      undefined,
      'failed',
      'succeeded',
      undefined,
      'stopped',
    ]);
    expect(table.map((s) => s.queued)).toEqual([true, true, false, false, false, false, false]);
    expect(describeStatus('intelligent', '3')).toEqual(describeStatus('intelligent', 3));
  });

  it('versions: usable at 1, never usable at 2..4', () => {
    expect(describeStatus('version', 0)).toMatchObject({ terminal: false, label: 'creating' });
    expect(describeStatus('version', 1)).toMatchObject({ terminal: true, outcome: 'succeeded', label: 'normal' });
    for (const s of [2, 3, 4])
      expect(describeStatus('version', s)).toMatchObject({ terminal: true, outcome: 'failed' });
  });

  it('imports: string states, COMPLETED rather than SUCCESSED', () => {
    expect(describeStatus('import', 'QUEUING')).toMatchObject({ terminal: false, queued: true });
    expect(describeStatus('import', 'STARTING')).toMatchObject({ terminal: false, queued: true });
    expect(describeStatus('import', 'RUNNING')).toMatchObject({ terminal: false, queued: false });
    expect(describeStatus('import', 'COMPLETED')).toMatchObject({ terminal: true, outcome: 'succeeded' });
    expect(describeStatus('import', 'FAILED')).toMatchObject({ terminal: true, outcome: 'failed' });
    expect(describeStatus('import', 'NOT_EXIST')).toMatchObject({ terminal: true, outcome: 'failed' });
    expect(describeStatus('import', 'SUCCESSED').terminal).toBe(false);
  });

  it('unknown values keep polling (for a bounded time) and say so, without matching Object.prototype members', () => {
    expect(describeStatus('export', 'PAUSED')).toEqual({
      terminal: false,
      label: 'unknown status PAUSED',
      queued: false,
      unknown: true,
    });
    expect(describeStatus('export', 'RUNNING').unknown).toBeUndefined();
    expect(describeStatus('intelligent', 9).label).toBe('unknown status 9');
    expect(describeStatus('version', 'abc').terminal).toBe(false);
    expect(describeStatus('export', 'constructor').terminal).toBe(false);
    expect(describeStatus('import', '').label).toBe('unknown status (empty)');
  });
});
