/**
 * Jaeger for `dev --tracing`: the cached v1.75.0 all-in-one (built from the Go module proxy on first use) on free
 * loopback ports, its log in the dev data folder, stopped by PID when dev stops. Only `--tracing` needs it, so the
 * quick start never waits for a Go build.
 */
import path from 'node:path';
import { freePort } from '../devserver/dev-server.js';
import { ensureJaeger } from './binaries.js';
import { jaegerConfig } from './observability.js';
import { writePrivateFile } from './private-files.js';
import { startDetached, stopPid, waitUntil } from './processes.js';

export interface LocalJaeger {
  /** Query API (this build of Jaeger has no UI). */
  url: string;
  /** OTEL_EXPORTER_OTLP_ENDPOINT for OTLP/HTTP. */
  otlpEndpoint: string;
  pid: number;
  /** SIGTERM; Jaeger takes a few seconds to exit. */
  stop(): Promise<void>;
}

export async function startLocalJaeger(dataDir: string, log: (message: string) => void): Promise<LocalJaeger> {
  const binary = await ensureJaeger(log);
  const [otlpHttp, query, queryGrpc, metrics] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const config = path.join(dataDir, 'jaeger.yaml');
  await writePrivateFile(
    config,
    jaegerConfig({ otlpHttp: otlpHttp!, query: query!, queryGrpc: queryGrpc!, metrics: metrics! }),
  );
  const logFile = path.join(dataDir, 'jaeger.log');
  const pid = startDetached({
    name: 'jaeger',
    command: binary,
    args: ['--config', config],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? dataDir },
    cwd: dataDir,
    logFile,
  });
  const url = `http://127.0.0.1:${query}`;
  const stop = () => stopPid(pid);
  try {
    await waitUntil('jaeger', pid, logFile, async () => (await fetch(`${url}/api/services`)).ok, 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, otlpEndpoint: `http://127.0.0.1:${otlpHttp}`, pid, stop };
}
