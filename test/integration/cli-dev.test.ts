/**
 * `modelarts-export dev --demo --exit-after-demo`, as `npm start` and the README quick start use it: its own dev
 * server (state in the data dir), the simulator and an in-process worker, with no configuration at all.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/devserver/dev-server.js';
import { devEnv } from '../support/cli-process.js';

const bin = path.resolve('bin', 'modelarts-export.js');

it('starts everything, runs the chained demo export, prints the UI link and exits 0', async () => {
  // An existing data dir that others could read (as `.data/` was before): dev narrows it to its user.
  const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'cli-dev-')), 'data');
  mkdirSync(dataDir, { mode: 0o755 });
  chmodSync(dataDir, 0o755);
  const [port, uiPort, simPort] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      bin,
      'dev',
      '--demo',
      '--exit-after-demo',
      '--port',
      String(port),
      '--ui-port',
      String(uiPort),
      '--sim-port',
      String(simPort),
      '--data-dir',
      dataDir,
    ],
    {
      env: devEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));

  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toContain(`Temporal UI:         http://127.0.0.1:${uiPort}`);
  // The default budget caps the whole fleet's creates: said once, with how to raise it.
  expect(stdout).toMatch(
    /Request budget: +2 creates\/s and 10 reads\/s for the whole fleet .*MODELARTS_BUDGET_WRITES_RPS=/,
  );
  expect(stdout).toMatch(/modelarts-export start --dataset demoImgCls000000001 --path \S+ /);
  expect(stdout).toMatch(/✔ Run demo-chain-\d+ succeeded/);
  expect(stdout).toMatch(
    new RegExp(
      `See it in the Temporal UI: http://127\\.0\\.0\\.1:${uiPort}/namespaces/default/workflows/demo-chain-\\d+`,
    ),
  );
  expect(stdout).toMatch(/→ new dataset demo-labeled-\d+/);
  expect(stderr).toMatch(/step 2\/2 {2}export/);
  expect(existsSync(path.join(dataDir, 'temporal.db'))).toBe(true);
  // The dev history (specs, dataset ids, paths) is this user's alone.
  const modes = Object.fromEntries(
    ['.', ...readdirSync(dataDir)].map((name) => [name, (statSync(path.join(dataDir, name)).mode & 0o777).toString(8)]),
  );
  expect(modes).toMatchObject({ '.': '700', 'temporal.db': '600', 'simulator.json': '600' });
  for (const [name, mode] of Object.entries(modes)) if (name !== '.') expect([name, mode]).toEqual([name, '600']);
}, 180_000);
