/**
 * Sealed mode in the Temporal Web UI, in real headless Chromium: `modelarts-export dev --sealed --demo` (its own dev
 * server whose UI is configured with the codec server, the simulator, a sealed worker) runs the demo chain sealed.
 * Without codec credentials the UI shows the run's input as ciphertext (the `binary/encrypted` payload the server
 * holds); once the browser is signed in at the codec server, the UI shows it decoded through the codec server.
 *
 * How the browser authenticates: the Temporal UI 2.54 sends `Authorization: Bearer` only with its own OIDC login's
 * access token and only to an https codec endpoint, so it cannot send our per-tenant token. It can send cookies
 * ("Include cross-origin credentials"), so the person signs in at the codec server's /login with the tenant's token
 * (an HttpOnly, SameSite=Strict cookie), and sets the UI's browser codec setting to include credentials (the dev
 * server has no flag for it; the native stack and compose set TEMPORAL_CODEC_INCLUDE_CREDENTIALS instead).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Page } from 'playwright-core';
import { freePort } from '../../src/devserver/dev-server.js';
import { DEMO_DATASETS } from '../../src/simulator/index.js';
import { devEnv } from '../support/cli-process.js';
import { assertChromiumInstalled, launchUiBrowser, type UiBrowser } from '../support/ui-browser.js';

const bin = path.resolve('bin', 'modelarts-export.js');
const DATASET = DEMO_DATASETS[0]!.dataset_id;
const UI_TIMEOUT = 20_000;

let dev: ChildProcess;
let dataDir: string;
let stdout = '';
let stderr = '';
let port: number;
let uiUrl: string;
let codecUrl: string;
let runId: string;
let browser: UiBrowser;
let page: Page;

beforeAll(async () => {
  assertChromiumInstalled();
  dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'ui-sealed-')), 'data');
  const [uiPort, simPort, codecPort] = [await freePort(), await freePort(), await freePort()];
  port = await freePort();
  uiUrl = `http://127.0.0.1:${uiPort}`;
  codecUrl = `http://127.0.0.1:${codecPort}`;
  dev = spawn(
    process.execPath,
    [bin, 'dev', '--sealed', '--demo', '--data-dir', dataDir]
      .concat(['--port', String(port), '--ui-port', String(uiPort)])
      .concat(['--sim-port', String(simPort), '--codec-port', String(codecPort)]),
    { env: devEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  dev.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  dev.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const deadline = Date.now() + 150_000;
  while (!/✔ Run demo-chain-\d+ succeeded/.test(stdout)) {
    if (dev.exitCode !== null || Date.now() > deadline)
      throw new Error(`dev --sealed did not finish its demo:\n${stdout}\n${stderr}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  runId = /✔ Run (demo-chain-\d+) succeeded/.exec(stdout)![1]!;
  browser = await launchUiBrowser(uiUrl, codecUrl);
  page = await browser.context.newPage();
}, 200_000);

afterAll(async () => {
  await browser?.close();
  if (dev && dev.exitCode === null) {
    const exited = new Promise((r) => dev.once('exit', r));
    dev.kill('SIGINT');
    await exited;
  }
  if (dataDir) rmSync(path.dirname(dataDir), { recursive: true, force: true });
});

/** The run's input as the server holds it: fetched raw, with no codec. */
async function rawInput() {
  const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
  try {
    const history = await connection.workflowService.getWorkflowExecutionHistory({
      namespace: 'default',
      execution: { workflowId: runId },
    });
    return history.history!.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
  } finally {
    await connection.close();
  }
}

describe('a sealed run in the Temporal Web UI', () => {
  it('says how it is set up: dev prints the codec server and keeps the demo keys and token private', () => {
    expect(stdout).toContain(`Codec server:        ${codecUrl} (the Temporal UI's codec endpoint)`);
    expect(stdout).toContain(`sign in at ${codecUrl}/login`);
    for (const file of ['sealed-keys.json', 'codec-tokens.json'])
      expect([file, (statSync(path.join(dataDir, file)).mode & 0o777).toString(8)]).toEqual([file, '600']);
  });

  it('shows ciphertext (binary/encrypted) without codec credentials', async () => {
    const raw = await rawInput();
    expect(Buffer.from(raw.metadata!.encoding!).toString()).toBe('binary/encrypted');
    const data = Buffer.from(raw.data!).toString('base64');
    expect(Buffer.from(raw.data!).toString('latin1')).not.toContain(DATASET);

    const decodeCalls: number[] = [];
    page.on('response', (res) => {
      if (res.url().startsWith(`${codecUrl}/decode`)) decodeCalls.push(res.status());
    });
    await page.goto(`${uiUrl}/namespaces/default/workflows/${runId}`);
    // The UI tried the codec server and was refused (401: no token, no cookie).
    await page.locator('#content').getByText('Codec Server could not connect').waitFor({ timeout: UI_TIMEOUT });
    expect(decodeCalls.length).toBeGreaterThan(0);
    expect(new Set(decodeCalls)).toEqual(new Set([401]));
    // The Input block shows the sealed bytes the server holds, and no dataset id.
    await page.getByText(data.slice(0, 40)).first().waitFor({ timeout: UI_TIMEOUT });
    const shown = await page.locator('body').innerText();
    expect(shown).not.toContain(`"datasetId": "${DATASET}"`);
  });

  it("shows the input decoded through the codec server once the browser is signed in with the tenant's token", async () => {
    const token = (JSON.parse(readFileSync(path.join(dataDir, 'codec-tokens.json'), 'utf8')) as Record<string, string>)
      .default!;
    await page.goto(`${codecUrl}/login`);
    await page.getByLabel('Tenant token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByText('Signed in: this browser decodes the runs of tenant default.')
      .waitFor({ timeout: UI_TIMEOUT });

    // The UI's own browser codec setting (its "Codec Server" dialog stores these): same endpoint, with credentials.
    await page.goto(`${uiUrl}/namespaces/default/workflows`);
    await page.evaluate((endpoint) => {
      // Runs in the page (this project's TypeScript has no DOM types).
      const storage = (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage;
      storage.setItem('endpoint', JSON.stringify(endpoint));
      storage.setItem('includeCredentials', 'true');
      storage.setItem('overrideRemoteCodecConfiguration', 'true');
    }, codecUrl);
    const decodeCalls: string[] = [];
    page.removeAllListeners('response');
    page.on('response', (res) => {
      if (res.url().startsWith(`${codecUrl}/decode`)) decodeCalls.push(String(res.status()));
    });
    await page.goto(`${uiUrl}/namespaces/default/workflows/${runId}`);
    await page.getByText(`"datasetId": "${DATASET}"`).first().waitFor({ timeout: UI_TIMEOUT });
    await page
      .getByText(/"path": "\/demo-bucket\/labeled-\d+\/input\/"/)
      .first()
      .waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByText('Codec Server could not connect').count()).toBe(0);
    // Decoded by the codec server (the server itself still holds only ciphertext).
    expect(decodeCalls).toContain('200');
    expect(Buffer.from((await rawInput()).data!).toString('latin1')).not.toContain(DATASET);
  });
});
