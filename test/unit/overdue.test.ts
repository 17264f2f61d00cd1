/** The overdue detector's pure parts: the threshold, the cause, the CLI flags and the exporter's metrics text. */
import { InvalidArgumentError } from 'commander';
import { overdueAtMs, OVERDUE_FLOOR_MS } from '../../src/contract/overdue.js';
import { classifyOverdue, livePollerCount, POLLER_LIVE_MS } from '../../src/exporter/classify.js';
import { ExporterMetrics } from '../../src/exporter/metrics.js';
import type { OverdueWait } from '../../src/exporter/overdue.js';
import { listOverdueWaits, overdueAmong, openWaitsQuery, OverdueOptionsError } from '../../src/exporter/overdue.js';
import type { Client } from '@temporalio/client';
import { parseEvery, parseListen, parseTaskQueue } from '../../src/cli/overdue.js';

const healthy = { workflowPollers: 2, readPollers: 2, readsPaused: false, readsFailing: false };

describe('overdue threshold', () => {
  it('is max(2 x planned delay, 60 s) after the planned read', () => {
    expect(overdueAtMs(1000, 0)).toBe(1000 + OVERDUE_FLOOR_MS);
    expect(overdueAtMs(1000, 5000)).toBe(1000 + 60_000);
    expect(overdueAtMs(1000, 10 * 60_000)).toBe(1000 + 20 * 60_000);
  });
});

describe('classifyOverdue', () => {
  it('names each cause, in the order an operator fixes them', () => {
    expect(classifyOverdue({ ...healthy, workflowPollers: 0, readPollers: 0, readsPaused: true })).toBe(
      'worker-not-running',
    );
    expect(classifyOverdue({ ...healthy, readPollers: 0, readsPaused: true, readsFailing: true })).toBe(
      'no-read-pollers',
    );
    expect(classifyOverdue({ ...healthy, readsPaused: true, readsFailing: true })).toBe('budget-paused');
    expect(classifyOverdue({ ...healthy, readsFailing: true })).toBe('reads-failing');
    expect(classifyOverdue(healthy)).toBe('unknown');
  });

  it('counts only pollers seen recently (the server lists stopped ones for minutes)', () => {
    const now = 1_000_000;
    expect(livePollerCount([now - 1000, now - POLLER_LIVE_MS - 1, undefined], now)).toBe(1);
  });
});

describe('overdueAmong', () => {
  const facts = {
    taskQueue: 'q',
    readsQueue: 'q-modelarts-reads',
    pollers: [
      { taskQueue: 'q', kind: 'workflow' as const, live: 1 },
      { taskQueue: 'q-modelarts-reads', kind: 'activity' as const, live: 1 },
    ],
    readsPaused: false,
  };
  const wait = (id: string, dueMs: number, failing = false) => ({
    workflowId: `${id}.step-2`,
    runId: 'r',
    taskQueue: 'q',
    step: 2,
    taskKind: 'export',
    tenant: 't',
    nextReadAt: new Date(dueMs),
    overdueAt: new Date(dueMs + 60_000),
    ...(failing ? { readsFailingSince: new Date(dueMs - 5000) } : {}),
  });

  it('keeps only waits past their overdue time, most late first, with lateness and cause', () => {
    const now = new Date(1_000_000);
    const list = overdueAmong(
      [wait('fresh', 990_000), wait('late', 900_000, true), wait('later', 800_000)],
      facts,
      now,
    );
    expect(list.map((w) => [w.workflowId, w.lateByMs, w.reason])).toEqual([
      ['later.step-2', 200_000, 'unknown'],
      ['late.step-2', 100_000, 'reads-failing'],
    ]);
  });

  it('queries running waits of one task queue, quoting values', () => {
    expect(openWaitsQuery("a'q", new Date(0))).toBe(
      "TaskQueue = 'a\\'q' AND ExecutionStatus = 'Running' AND ModelArtsOverdueAt < '1970-01-01T00:00:00.000Z'",
    );
  });
});

describe('exporter flags', () => {
  it('takes HOST:PORT and durations within bounds, and says what is allowed otherwise', () => {
    expect(parseListen('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    for (const bad of ['9464', ':9464', '127.0.0.1:99999', '127.0.0.1:', 'a b:1'])
      expect(() => parseListen(bad)).toThrow(/must be HOST:PORT/);
    expect(parseEvery('15s')).toBe(15_000);
    for (const bad of ['0', '500ms', '2h', 'soon']) expect(() => parseEvery(bad)).toThrow(InvalidArgumentError);
    expect(parseTaskQueue('b', ['a'])).toEqual(['a', 'b']);
    expect(() => parseTaskQueue(' ', undefined)).toThrow(/task queue name/);
  });
});

describe('exporter metrics', () => {
  const overdue = (tenant: string, reason: OverdueWait['reason']): OverdueWait => ({
    workflowId: 'w.step-1',
    runId: 'r',
    taskQueue: 'q',
    taskKind: 'export',
    tenant,
    overdueAt: new Date(0),
    dueAt: new Date(0),
    lateByMs: 1,
    reason,
  });

  it('publishes the gauges, and keeps a series at 0 once its waits are no longer overdue', async () => {
    const m = new ExporterMetrics();
    const stuck = overdue('acme', 'budget-paused');
    m.update({
      open: [stuck],
      overdue: [stuck],
      pollers: [{ taskQueue: 'q-modelarts-reads', kind: 'activity', live: 3 }],
      drain: [{ deployment: 'd', buildId: 'v1', runs: 4 }],
      atMs: 1_700_000_000_000,
    });
    let text = await m.text();
    expect(text).toContain('modelarts_overdue_waits{tenant="acme",reason="budget-paused"} 1');
    expect(text).toContain('modelarts_overdue_waits{tenant="acme",reason="worker-not-running"} 0');
    expect(text).toContain('modelarts_open_waits{tenant="acme"} 1');
    expect(text).toContain('modelarts_task_queue_pollers{task_queue="q-modelarts-reads",kind="activity"} 3');
    expect(text).toContain('modelarts_drain_pending_runs{deployment="d",build_id="v1"} 4');
    expect(text).toContain('modelarts_exporter_last_scan_timestamp_seconds 1700000000');
    m.scanFailed();
    m.update({ open: [], overdue: [], pollers: [], drain: [], atMs: 1_700_000_015_000 });
    text = await m.text();
    expect(text).toContain('modelarts_overdue_waits{tenant="acme",reason="budget-paused"} 0');
    expect(text).toContain('modelarts_open_waits{tenant="acme"} 0');
    expect(text).toContain('modelarts_drain_pending_runs{deployment="d",build_id="v1"} 0');
    expect(text).toContain('modelarts_exporter_scan_errors_total 1');
  });
});

describe('listOverdueWaits input', () => {
  it('names the option and what it allows', async () => {
    const client = {} as Client;
    await expect(listOverdueWaits(client, { taskQueue: '' })).rejects.toThrow(
      /listOverdueWaits: taskQueue must be the workflows' task queue name/,
    );
    await expect(listOverdueWaits(client, { taskQueue: 'q', now: new Date('nope') })).rejects.toBeInstanceOf(
      OverdueOptionsError,
    );
    await expect(listOverdueWaits(client, undefined as never)).rejects.toThrow(/taskQueue/);
  });
});
