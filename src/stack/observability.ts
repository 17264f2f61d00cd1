/**
 * The native stack's Jaeger and Prometheus: their generated config files (loopback only, ports from the stack's
 * base port, so two stacks never collide) and the list of worker scrape targets, which Prometheus re-reads by itself
 * whenever a worker starts or stops (file-based discovery: no restart, no reload call).
 */
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { projectRoot } from '../devserver/resolve-cli.js';
import { writePrivateFile } from './private-files.js';

export const RULES_DIR = path.join(projectRoot, 'deploy', 'prometheus', 'rules');
/** Scrape and evaluation interval: the overdue-wait page's 2-minute arithmetic (docs/alerts.md) counts on 10 s. */
export const SCRAPE_INTERVAL = '10s';

export interface JaegerPorts {
  otlpHttp: number;
  query: number;
  queryGrpc: number;
  metrics: number;
}

/**
 * Jaeger v2's all-in-one (OTLP receiver, in-memory store, query API and UI) with every listener on a port of ours:
 * its built-in config binds fixed ports (4317, 4318, 16686, 8888, 5778, ...) that two stacks would share.
 */
export function jaegerConfig(ports: JaegerPorts): string {
  const host = '127.0.0.1';
  return stringify({
    service: {
      extensions: ['jaeger_storage', 'jaeger_query'],
      pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] } },
      telemetry: {
        resource: { 'service.name': 'jaeger' },
        metrics: { level: 'basic', readers: [{ pull: { exporter: { prometheus: { host, port: ports.metrics } } } }] },
        logs: { level: 'info' },
      },
    },
    extensions: {
      jaeger_storage: { backends: { memstore: { memory: { max_traces: 100_000 } } } },
      jaeger_query: {
        storage: { traces: 'memstore' },
        http: { endpoint: `${host}:${ports.query}` },
        grpc: { endpoint: `${host}:${ports.queryGrpc}` },
      },
    },
    receivers: { otlp: { protocols: { http: { endpoint: `${host}:${ports.otlpHttp}` } } } },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: 'memstore' } },
  });
}

export interface ScrapeTargets {
  /** The file listing the workers' metrics addresses (see writeWorkerTargets). */
  workersFile: string;
  /** Absent when this build has no `modelarts-export exporter`. */
  exporter?: string;
  temporalServer: string;
  jaeger: string;
}

export function prometheusConfig(targets: ScrapeTargets): string {
  const job = (name: string, target: string) => ({ job_name: name, static_configs: [{ targets: [target] }] });
  return stringify({
    global: { scrape_interval: SCRAPE_INTERVAL, evaluation_interval: SCRAPE_INTERVAL },
    rule_files: [path.join(RULES_DIR, '*.yml')],
    scrape_configs: [
      { job_name: 'modelarts-worker', file_sd_configs: [{ files: [targets.workersFile] }] },
      ...(targets.exporter ? [job('modelarts-exporter', targets.exporter)] : []),
      job('temporal-server', targets.temporalServer),
      job('jaeger', targets.jaeger),
    ],
  });
}

/** Rewrites the workers' target list (whole, by rename: Prometheus never reads half a file); it notices by itself. */
export async function writeWorkerTargets(file: string, workers: { pid: number; address: string }[]): Promise<void> {
  const groups = workers.map((w) => ({ targets: [w.address], labels: { worker_pid: String(w.pid) } }));
  await writePrivateFile(`${file}.tmp`, `${JSON.stringify(groups, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}
