/**
 * Replays committed histories (test/histories, recorded by `npm run histories:record`; older releases' in
 * subfolders such as 0.1.0/) through the current workflow bundle: a change that would break workflows already
 * running in production fails here.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';

const dir = path.resolve('test', 'histories');

it('replays every committed history without non-determinism', async () => {
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.json'));
  expect(files.length).toBeGreaterThanOrEqual(10);
  const failures: string[] = [];
  for (const file of files) {
    const history = JSON.parse(await readFile(path.join(dir, file), 'utf8'));
    // Unversioned workers serve the first bundle, versioned ones (Worker Deployment Versioning) the second.
    for (const bundle of ['workflow-bundle.js', 'workflow-bundle-versioned.js']) {
      try {
        await Worker.runReplayHistory(
          { workflowBundle: { codePath: path.resolve('dist', bundle) } },
          history,
          path.basename(file, '.json'),
        );
      } catch (err) {
        failures.push(`${file} on ${bundle}: ${(err as Error).message}`);
      }
    }
  }
  expect(failures).toEqual([]);
}, 120_000);
