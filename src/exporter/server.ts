/**
 * The exporter process (`modelarts-export exporter`, one per fleet): scans every `everyMs` and serves the last
 * scan's metrics on http://HOST:PORT/metrics. It lives outside the workers, so it reports a fleet whose workers are
 * all down. A failed scan is counted (modelarts_exporter_scan_errors_total) and the previous values stay.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExporterMetrics } from './metrics.js';
import { scanFleet, type ScanTarget } from './scan.js';

export interface ExporterOptions extends ScanTarget {
  host: string;
  /** 0: any free port. */
  port: number;
  everyMs: number;
  onScanError?: (err: Error) => void;
}

export interface RunningExporter {
  url: string;
  metrics: ExporterMetrics;
  /** Runs one scan now (also what the timer does). */
  scan: () => Promise<void>;
  stop: () => Promise<void>;
}

export async function startExporter(options: ExporterOptions): Promise<RunningExporter> {
  const metrics = new ExporterMetrics();
  let scanning: Promise<void> | undefined;
  const scan = () =>
    (scanning ??= scanFleet(options)
      .then((s) => metrics.update(s))
      .catch((err: Error) => {
        metrics.scanFailed();
        options.onScanError?.(err);
      })
      .finally(() => {
        scanning = undefined;
      }));
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?'))) {
      metrics.text().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500).end();
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('see /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  await scan();
  const timer = setInterval(() => void scan(), options.everyMs);
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/metrics`,
    metrics,
    scan,
    stop: async () => {
      clearInterval(timer);
      await scanning;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
