/**
 * deploy/grafana/modelarts-fleet.json: Grafana's import format (the datasource is an input chosen at import), every
 * panel has a PromQL target that promtool parses, and every metric it reads is one the fleet really publishes (the
 * names below were read from a running worker's /metrics and from the exporter's and tracing's contracts). The
 * stack test then runs each query against a live Prometheus.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { DASHBOARD_FILE, dashboardQueries } from '../../src/stack/dashboard.js';

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  gridPos?: { h: number; w: number; x: number; y: number };
  targets?: { refId: string; expr: string; datasource?: { uid?: string } }[];
}
const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as {
  __inputs: { name: string; type: string; pluginId: string }[];
  uid: string;
  title: string;
  panels: Panel[];
};

/** What the fleet publishes, and where from. */
const PUBLISHED = {
  worker: [
    'modelarts_requests',
    'modelarts_throttled',
    'modelarts_budget_rps',
    'modelarts_budget_paused',
    'modelarts_budget_backlog',
    'modelarts_worker_start_time_seconds',
    'temporal_activity_schedule_to_start_latency_bucket',
    'temporal_workflow_task_execution_failed',
    'temporal_num_pollers',
  ],
  tracing: ['modelarts_spans_dropped'],
  exporter: [
    'modelarts_overdue_waits',
    'modelarts_open_waits',
    'modelarts_task_queue_pollers',
    'modelarts_drain_pending_runs',
    'modelarts_exporter_scan_errors_total',
    'modelarts_exporter_last_scan_timestamp_seconds',
  ],
};
const KNOWN = new Set(Object.values(PUBLISHED).flat());
const PROMQL_WORDS = new Set(['sum', 'max', 'min', 'by', 'rate', 'increase', 'histogram_quantile', 'time', 'le']);

describe('the fleet dashboard (Grafana JSON)', () => {
  it('imports with the Prometheus datasource as an input variable', () => {
    expect(dashboard.__inputs).toEqual([
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }),
    ]);
    expect(dashboard.uid).toBe('modelarts-fleet');
    for (const panel of dashboard.panels) {
      expect({ title: panel.title, uid: panel.datasource?.uid }).toEqual({
        title: panel.title,
        uid: '${DS_PROMETHEUS}',
      });
      for (const t of panel.targets ?? []) expect(t.datasource?.uid).toBe('${DS_PROMETHEUS}');
    }
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
  });

  it('gives every panel a PromQL target', () => {
    const noQuery = dashboard.panels.filter((p) => !(p.targets ?? []).some((t) => t.expr?.trim()));
    expect(noQuery.map((p) => p.title)).toEqual([]);
    expect(dashboardQueries().length).toBeGreaterThanOrEqual(dashboard.panels.length);
  });

  it('shows what issue #21 lists', () => {
    const exprs = dashboardQueries()
      .map((q) => q.expr)
      .join('\n');
    for (const metric of [
      'modelarts_overdue_waits',
      'modelarts_open_waits',
      'modelarts_requests',
      'modelarts_throttled',
      'modelarts_budget_rps',
      'modelarts_budget_paused',
      'modelarts_budget_backlog',
      'temporal_activity_schedule_to_start_latency_bucket',
      'temporal_workflow_task_execution_failed',
      'modelarts_task_queue_pollers',
      'modelarts_spans_dropped',
    ]) {
      expect({ metric, shown: new RegExp(`\\b${metric}\\b`).test(exprs) }).toEqual({ metric, shown: true });
    }
  });

  it('reads only metrics the fleet publishes (the "no data after import" of temporalio/dashboards#75)', () => {
    const unknown = dashboardQueries().flatMap((q) =>
      (q.expr.replace(/\{[^}]*\}|\[[^\]]*\]|"[^"]*"/g, '').match(/[a-z_][a-z0-9_]*/g) ?? [])
        .filter((word) => word.includes('_') && !PROMQL_WORDS.has(word) && !KNOWN.has(word))
        .filter((word) => !/^(tenant|reason|api|class|task_queue|kind|instance|failure_reason)$/.test(word))
        .map((word) => `${q.panel}: ${word}`),
    );
    expect(unknown).toEqual([]);
  });

  it('has queries promtool parses', () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'dashboard-test-'));
    try {
      const rules = dashboardQueries().map((q, i) => ({ record: `dashboard:panel_${i}`, expr: q.expr }));
      const file = path.join(scratch, 'dashboard-queries.yml');
      writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
      const result = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
      expect({ status: result.status, output: `${result.stdout}${result.stderr}` }).toEqual({
        status: 0,
        output: expect.stringContaining('SUCCESS'),
      });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
