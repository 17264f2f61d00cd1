/**
 * Replays committed histories (test/histories, recorded by `npm run histories:record`; older releases' in
 * subfolders such as 0.1.0/) through the current workflow bundle: a change that would break workflows already
 * running in production fails here. The bundles include the tracing interceptor (src/workflows/tracing.ts): the
 * histories recorded before it existed still replay, and a replay emits no span (sinks are not called on replay).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
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
  for (const file of files) {
    const history = JSON.parse(await readFile(path.join(dir, file), 'utf8'));
    // Unversioned workers serve the first bundle, versioned ones (Worker Deployment Versioning) the second.
    for (const bundle of ['workflow-bundle.js', 'workflow-bundle-versioned.js']) {
      try {
        await Worker.runReplayHistory(
          { workflowBundle: { codePath: path.resolve('dist', bundle) }, sinks: tracingSinks(recording) },
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
