/**
 * `modelarts-export dev --tracing`: dev also runs the cached Jaeger (built by `pretest:stack`), points its worker and
 * CLI at it, prints where its traces are, and stops it by PID on exit. In the stack project because only `pretest:stack` builds
 * Jaeger (`npm test` and the quick start need no Go build).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/devserver/dev-server.js';
import { devEnv } from '../support/cli-process.js';

const bin = path.resolve('bin', 'modelarts-export.js');

it('runs the demo with Jaeger up, tells the CLI where to send traces, and stops Jaeger on exit', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'dev-tracing-'));
  try {
    const [port, uiPort, simPort] = [await freePort(), await freePort(), await freePort()];
    const args = ['dev', '--tracing', '--demo', '--exit-after-demo', '--data-dir', dataDir];
    args.push('--port', String(port), '--ui-port', String(uiPort), '--sim-port', String(simPort));
    const child = spawn(process.execPath, [bin, ...args], { env: devEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let jaegerAnswered: Promise<number> | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const url = /Jaeger \(traces\): +(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      // Asked while the demo runs: Jaeger's query API is up.
      if (url && !jaegerAnswered) jaegerAnswered = fetch(`${url}/api/services`).then((r) => r.status);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));

    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(await jaegerAnswered).toBe(200);
    expect(stdout).toMatch(/✔ Run demo-chain-\d+ succeeded/);
    // The command it suggests sends the CLI's spans to the same Jaeger.
    const otlp =
      /OTEL_EXPORTER_OTLP_ENDPOINT=(http:\/\/127\.0\.0\.1:\d+) OTEL_SERVICE_NAME=modelarts-dev modelarts-export start/.exec(
        stdout,
      )?.[1];
    expect(otlp).toBeDefined();
    // Stopped with dev: neither its query API nor its OTLP receiver answers any more.
    const url = /Jaeger \(traces\): +(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1]!;
    await expect(fetch(`${url}/api/services`)).rejects.toThrow();
    await expect(fetch(`${otlp!}/v1/traces`, { method: 'POST' })).rejects.toThrow();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 300_000);
