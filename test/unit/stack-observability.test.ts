/**
 * The native stack's generated Jaeger and Prometheus configs (src/stack/observability.ts): Prometheus' passes
 * `promtool check config` and loads the repo's rules; Jaeger's binds only loopback, only the ports it is given
 * (its built-in config takes fixed ports that two stacks would share).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { jaegerConfig, prometheusConfig, RULES_DIR, writeWorkerTargets } from '../../src/stack/observability.js';

let scratch: string;
beforeAll(() => (scratch = mkdtempSync(path.join(tmpdir(), 'stack-observability-'))));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it('writes a Prometheus config that promtool accepts, with the rules, every target and a 10 s interval', async () => {
  const workersFile = path.join(scratch, 'workers.json');
  await writeWorkerTargets(workersFile, [
    { pid: 11, address: '127.0.0.1:7448' },
    { pid: 12, address: '127.0.0.1:7449' },
  ]);
  const text = prometheusConfig({
    workersFile,
    exporter: '127.0.0.1:7445',
    temporalServer: '127.0.0.1:7446',
    jaeger: '127.0.0.1:7443',
  });
  const file = path.join(scratch, 'prometheus.yml');
  writeFileSync(file, text);
  const check = spawnSync('promtool', ['check', 'config', file], { encoding: 'utf8' });
  expect({ status: check.status, output: `${check.stdout}${check.stderr}` }).toEqual({
    status: 0,
    output: expect.stringMatching(/SUCCESS: 1 rule files found/),
  });
  const config = parse(text) as { global: Record<string, string>; scrape_configs: { job_name: string }[] };
  expect(config.global).toEqual({ scrape_interval: '10s', evaluation_interval: '10s' });
  expect(config.scrape_configs.map((j) => j.job_name)).toEqual([
    'modelarts-worker',
    'modelarts-exporter',
    'temporal-server',
    'jaeger',
  ]);
  expect(text).toContain(path.join(RULES_DIR, '*.yml'));
  expect(JSON.parse(readFileSync(workersFile, 'utf8'))).toEqual([
    { targets: ['127.0.0.1:7448'], labels: { worker_pid: '11' } },
    { targets: ['127.0.0.1:7449'], labels: { worker_pid: '12' } },
  ]);
  // Without an exporter in this build, no target that could only be down.
  const without = parse(prometheusConfig({ workersFile, temporalServer: 'a:1', jaeger: 'b:2' })) as {
    scrape_configs: { job_name: string }[];
  };
  expect(without.scrape_configs.map((j) => j.job_name)).not.toContain('modelarts-exporter');
});

it('gives Jaeger only loopback listeners on the ports it is given', () => {
  const text = jaegerConfig({ otlpHttp: 7440, query: 7441, queryGrpc: 7442, metrics: 7443 });
  const endpoints = [...text.matchAll(/endpoint: (\S+)/g)].map((m) => m[1]).sort();
  expect(endpoints).toEqual(['127.0.0.1:7440', '127.0.0.1:7441', '127.0.0.1:7442']);
  const config = parse(text) as {
    service: { telemetry: { metrics: { readers: { pull: { exporter: { prometheus: unknown } } }[] } } };
  };
  expect(config.service.telemetry.metrics.readers[0]!.pull.exporter.prometheus).toEqual({
    host: '127.0.0.1',
    port: 7443,
  });
  // None of the built-in fixed ports (OTLP gRPC, Zipkin, sampling, health, expvar, zpages, Jaeger receivers).
  expect(text).not.toMatch(/\b(4317|4318|16686|8888|9411|5778|5779|13133|27777|27778|14250|14268)\b/);
});
