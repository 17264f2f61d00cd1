/**
 * Replays committed histories (test/histories, recorded by `npm run histories:record`; older releases' in
 * subfolders such as 0.1.0/) through the current workflow bundle: a change that would break workflows already
 * running in production fails here. The bundles include the tracing interceptor (src/workflows/tracing.ts): the
 * histories recorded before it existed still replay, and a replay emits no span (sinks are not called on replay).
 * Sealed histories (`history-sealed*`, recorded with the test-only keys in test/histories/sealed-test-keys) replay
 * through the sealed bundles with those keys, as a sealed worker would.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { parseSealedKeys } from '../../src/sealed/config.js';
import { sealedCodec } from '../../src/sealed/data-converter.js';
import { tracingSinks } from '../../src/tracing/sink.js';
import type { Tracing } from '../../src/tracing/provider.js';

const dir = path.resolve('test', 'histories');

it('replays every committed history without non-determinism', async () => {
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.json'));
  expect(files.length).toBeGreaterThanOrEqual(10);
  const failures: string[] = [];
  const emitted: ReadableSpan[] = [];
  // The worker's own sink, as on a traced worker, with a processor that records what reaches it.
  const recording = { processor: { onEnd: (span: ReadableSpan) => emitted.push(span) } } as unknown as Tracing;
  const problems: string[] = [];
  const keys = parseSealedKeys(await readFile(path.join(dir, 'sealed-test-keys'), 'utf8'), problems);
  expect(problems).toEqual([]);
  // The codec alone: the sealed bundles carry the failure converter already (jest cannot require it by path).
  const sealed = { payloadCodecs: [sealedCodec({ sealed: true, ...(keys && { keys }) })] };
  expect(files.filter((f) => path.basename(f).startsWith('history-sealed')).length).toBeGreaterThanOrEqual(6);
  for (const file of files) {
    const history = JSON.parse(await readFile(path.join(dir, file), 'utf8'));
    const isSealed = path.basename(file).startsWith('history-sealed');
    // Unversioned workers serve the first bundle, versioned ones (Worker Deployment Versioning) the second.
    const bundles = ['workflow-bundle', 'workflow-bundle-versioned'].map((b) => `${b}${isSealed ? '-sealed' : ''}.js`);
    for (const bundle of bundles) {
      try {
        await Worker.runReplayHistory(
          {
            workflowBundle: { codePath: path.resolve('dist', bundle) },
            sinks: tracingSinks(recording),
            ...(isSealed && { dataConverter: sealed }),
          },
          history,
          path.basename(file, '.json'),
        );
      } catch (err) {
        failures.push(`${file} on ${bundle}: ${(err as Error).message}`);
      }
    }
  }
  expect(failures).toEqual([]);
  expect(emitted.map((span) => span.name)).toEqual([]);
}, 120_000);
