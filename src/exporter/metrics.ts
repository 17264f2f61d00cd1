/**
 * The exporter's metrics, in a prom-client registry of its own (served on /metrics by server.ts). Series of a
 * tenant, reason or version seen once stay, at 0, so an alert resolves instead of its series vanishing.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { OVERDUE_REASONS } from './classify.js';
import type { OpenWait, OverdueWait } from './overdue.js';
import type { QueuePollers } from './queues.js';

export interface DrainPending {
  deployment: string;
  buildId: string;
  /** Running workflows still pinned to this version (neither current nor ramping). */
  runs: number;
}

/** One scan's findings, over every task queue the exporter watches. */
export interface Scan {
  open: OpenWait[];
  overdue: OverdueWait[];
  pollers: QueuePollers[];
  /** Absent when versioning is off (no deployment name). */
  drain?: DrainPending[];
  atMs: number;
}

export class ExporterMetrics {
  readonly registry = new Registry();
  private readonly overdue: Gauge;
  private readonly open: Gauge;
  private readonly pollers: Gauge;
  private readonly drain: Gauge;
  private readonly errors: Counter;
  private readonly lastScan: Gauge;
  private readonly tenants = new Set<string>();
  private readonly drains = new Map<string, { deployment: string; build_id: string }>();

  constructor() {
    const registers = [this.registry];
    this.overdue = new Gauge({
      name: 'modelarts_overdue_waits',
      help: 'Running waits whose planned status read is overdue (late by more than max(2 x planned delay, 60 s))',
      labelNames: ['tenant', 'reason'],
      registers,
    });
    this.open = new Gauge({
      name: 'modelarts_open_waits',
      help: 'Running waits with a planned status read',
      labelNames: ['tenant'],
      registers,
    });
    this.pollers = new Gauge({
      name: 'modelarts_task_queue_pollers',
      help: 'Live pollers on the workflow queue and each budget queue (DescribeTaskQueue)',
      labelNames: ['task_queue', 'kind'],
      registers,
    });
    this.drain = new Gauge({
      name: 'modelarts_drain_pending_runs',
      help: 'Running workflows pinned to a worker version that is neither current nor ramping',
      labelNames: ['deployment', 'build_id'],
      registers,
    });
    this.errors = new Counter({
      name: 'modelarts_exporter_scan_errors_total',
      help: 'Scans of visibility and task queues that failed',
      registers,
    });
    this.lastScan = new Gauge({
      name: 'modelarts_exporter_last_scan_timestamp_seconds',
      help: 'When the last successful scan ended (Unix seconds)',
      registers,
    });
  }

  scanFailed(): void {
    this.errors.inc();
  }

  /** Publishes one scan. Every tenant ever seen gets every reason (0 when none), so no series vanishes. */
  update(scan: Scan): void {
    for (const w of [...scan.open, ...scan.overdue]) this.tenants.add(w.tenant);
    for (const tenant of this.tenants) {
      this.open.set({ tenant }, scan.open.filter((w) => w.tenant === tenant).length);
      for (const reason of OVERDUE_REASONS)
        this.overdue.set(
          { tenant, reason },
          scan.overdue.filter((w) => w.tenant === tenant && w.reason === reason).length,
        );
    }
    for (const p of scan.pollers) this.pollers.set({ task_queue: p.taskQueue, kind: p.kind }, p.live);
    for (const labels of this.drains.values()) this.drain.set(labels, 0);
    for (const d of scan.drain ?? []) {
      const labels = { deployment: d.deployment, build_id: d.buildId };
      this.drains.set(`${d.deployment}\n${d.buildId}`, labels);
      this.drain.set(labels, d.runs);
    }
    this.lastScan.set(scan.atMs / 1000);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
