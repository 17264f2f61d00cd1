/**
 * The fleet dashboard users import into Grafana (deploy/grafana/modelarts-fleet.json), read back as the PromQL of
 * each panel: the stack test runs every query against the stack's Prometheus, so a panel that would show "no data"
 * after import (a wrong metric name, a label the worker does not set) fails a test instead.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../devserver/resolve-cli.js';

export const DASHBOARD_FILE = path.join(projectRoot, 'deploy', 'grafana', 'modelarts-fleet.json');

export interface PanelQuery {
  panel: string;
  refId: string;
  expr: string;
}

interface GrafanaPanel {
  title?: string;
  targets?: { refId?: string; expr?: string }[];
  panels?: GrafanaPanel[];
}

/** Every target of every panel (rows' nested panels included), in the dashboard's order. */
export function dashboardQueries(file = DASHBOARD_FILE): PanelQuery[] {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { panels?: GrafanaPanel[] };
  const walk = (panels: GrafanaPanel[]): PanelQuery[] =>
    panels.flatMap((p) => [
      ...(p.targets ?? []).map((t) => ({ panel: p.title ?? '', refId: t.refId ?? '', expr: t.expr ?? '' })),
      ...walk(p.panels ?? []),
    ]);
  return walk(doc.panels ?? []);
}
