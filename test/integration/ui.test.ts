/**
 * The Temporal Web UI as a person sees it, in real headless Chromium: a UI-enabled dev server of the test's own
 * (the suite's shared one is headless), the simulator, and the real worker process. One chained export runs to
 * completion and one export is left waiting on a long task, then the browser filters the workflow list by
 * `ModelArtsDatasetId`, opens the chained run and its steps, and reads the running step's current details.
 * Screenshots go to test/artifacts/; `UPDATE_SCREENSHOTS=1` writes them to docs/ for the README instead.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Page } from 'playwright-core';
import { awaitRun, getProgress, startRun, summaryOf } from '../../src/client/runs.js';
import { startDevServer, type DevServer } from '../../src/devserver/dev-server.js';
import { parsePipelineSpec } from '../../src/spec/pipeline.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { CREDENTIALS, eventually, expectSucceeded, FAST_POLICY } from '../support/harness.js';
import { launchUiBrowser, assertChromiumInstalled, type UiBrowser } from '../support/ui-browser.js';
import { workerEnv } from '../../src/local/worker-env.js';
import { startWorkerProcess, type WorkerProcess } from '../../src/local/worker-process.js';

const TASK_QUEUE = 'ui-test';
/** Recognisable ids in the real format (19 base62 characters). */
const PETS = 'uiPetsDataset000001';
const CARS = 'uiCarsDataset000002';
const CHAIN_ID = 'export-pets-to-coco';
const WAITING_ID = 'export-cars-waiting';
const UI_TIMEOUT = 20_000;

const chainSpec = {
  steps: [
    {
      kind: 'export',
      datasetId: PETS,
      request: {
        path: '/bucket/pets/input/',
        export_type: 0,
        export_params: {
          export_dest: 'NEW_DATASET',
          export_new_dataset_name: 'pets-labeled',
          export_new_dataset_work_path: '/bucket/pets/labeled/',
        },
      },
    },
    { kind: 'export', request: { path: '/bucket/pets/coco/', annotation_format: 'COCO', export_format: 1 } },
  ],
  wait: { policy: FAST_POLICY, deadline: '2m' },
};

const waitingSpec = {
  steps: [{ kind: 'export', datasetId: CARS, request: { path: '/bucket/cars/out/' } }],
  // A 30-minute task: after a few quick reads the policy aims at its estimated finish, so the step stays on its
  // first run (no continue-as-new) while the browser looks at it.
  wait: { policy: { minDelayMs: 2000, initialDelayMs: 200, maxDelayMs: 5000 }, deadline: '30m' },
};

/** What a person reads as the run's summary: generated from the spec, as `startRun` sets it. */
const CHAIN_SUMMARY = summaryOf(parsePipelineSpec(chainSpec));

/** A test run leaves the committed README images alone unless asked to refresh them. */
const SCREENSHOT_DIR = path.resolve(process.env.UPDATE_SCREENSHOTS === '1' ? 'docs' : 'test/artifacts');

/** Saves the viewport, the pointer parked on empty space so nothing shows a hover state. */
async function snap(name: string): Promise<void> {
  await page.mouse.move(760, 1095);
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, name) });
}

let server: DevServer;
let uiUrl: string;
let connection: Connection;
let client: Client;
let sim: Simulator;
let worker: WorkerProcess;
let browser: UiBrowser;
let page: Page;

beforeAll(async () => {
  // Fail (never skip) before starting anything when there is no browser.
  assertChromiumInstalled();
  server = await startDevServer({ ui: true });
  uiUrl = server.uiUrl!;
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection, namespace: server.namespace });
  sim = await startSimulator({
    credentials: [CREDENTIALS],
    // The dataset the NEW_DATASET export creates gets these: its COCO export is quick.
    defaults: { durationMs: 1000, progress: 'linear' },
  });
  sim.createDataset({ dataset_id: PETS, dataset_name: 'pets' });
  sim.setBehavior(PETS, { durationMs: 1000, progress: 'linear', totalSamples: 120 });
  sim.createDataset({ dataset_id: CARS, dataset_name: 'cars' });
  sim.setBehavior(CARS, { durationMs: 30 * 60_000, progress: 'linear', totalSamples: 5000 });

  const [worker_, browser_] = await Promise.all([
    startWorkerProcess(workerEnv({ server, sim, taskQueue: TASK_QUEUE, credentials: CREDENTIALS })),
    launchUiBrowser(new URL(uiUrl).origin),
  ]);
  worker = worker_;
  browser = browser_;
  page = await browser.context.newPage();

  await startRun(client, waitingSpec, { taskQueue: TASK_QUEUE, workflowId: WAITING_ID });
  await startRun(client, chainSpec, { taskQueue: TASK_QUEUE, workflowId: CHAIN_ID });
  expectSucceeded(await awaitRun(client, CHAIN_ID));
  // The waiting step has read the task's status at least once, so it has current details to show.
  await eventually(async () => ((await getProgress(client, WAITING_ID)).step?.statusReads ?? 0) >= 1 || undefined);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await worker?.kill();
  await sim?.close();
  await connection?.close();
  await server?.stop();
});

/** A workflow id as a link, as the list, the Relationships tab and the header's parent link show it. */
const workflowLink = (id: string) => page.getByRole('link', { name: id, exact: true });
/** The run page's title: the workflow id (with a copy button). */
const runTitle = (id: string) => page.getByRole('heading', { level: 1 }).getByText(id, { exact: true });
/** The status badge next to the title. */
const runStatus = (status: string) => page.getByRole('status').getByText(status, { exact: true }).first();

describe('the Temporal Web UI', () => {
  it('filters the workflow list by ModelArtsDatasetId', async () => {
    // Unfiltered, both runs are listed: the filter below is what hides the unrelated one.
    await page.goto(`${uiUrl}/namespaces/default/workflows`);
    await workflowLink(WAITING_ID).waitFor({ timeout: UI_TIMEOUT });
    await workflowLink(CHAIN_ID).waitFor({ timeout: UI_TIMEOUT });

    const query = `ModelArtsDatasetId="${PETS}"`;
    await page.goto(`${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
    // The UI turns the query into a filter chip, and lists the run and its first step (which works on PETS).
    await page.getByText(`ModelArtsDatasetId = "${PETS}"`).waitFor({ timeout: UI_TIMEOUT });
    await workflowLink(CHAIN_ID).waitFor({ timeout: UI_TIMEOUT });
    await workflowLink(`${CHAIN_ID}.step-1`).waitFor({ timeout: UI_TIMEOUT });
    // Every row belongs to the chained run (the run and its steps on PETS); the waiting CARS run is not listed.
    const rows = page.getByRole('table', { name: 'Workflows' }).getByRole('row', { name: /^Select Workflow / });
    const listed = await Promise.all((await rows.all()).map((row) => row.getByRole('link').first().innerText()));
    expect(listed).toContain(CHAIN_ID);
    for (const id of listed) expect(id).toMatch(new RegExp(`^${CHAIN_ID}(\\.step-\\d+)?$`));
    expect(await workflowLink(WAITING_ID).count()).toBe(0);
    await snap('ui-workflows.png');

    // A person goes on from here: open the run.
    await workflowLink(CHAIN_ID).click();
    await page.waitForURL(new RegExp(`/workflows/${CHAIN_ID}/[0-9a-f-]+/`), { timeout: UI_TIMEOUT });
  });

  it('shows the run: static summary, both child steps with their summaries', async () => {
    // Normally the previous test opened it from the filtered list.
    if (!page.url().includes(`/workflows/${CHAIN_ID}/`))
      await page.goto(`${uiUrl}/namespaces/default/workflows/${CHAIN_ID}`);
    await runTitle(CHAIN_ID).waitFor({ timeout: UI_TIMEOUT });
    await runStatus('Completed').waitFor({ timeout: UI_TIMEOUT });
    // The timeline draws each child step under its static summary.
    await page
      .getByText(`Step 1/2: Export dataset ${PETS} to new dataset pets-labeled`)
      .waitFor({ timeout: UI_TIMEOUT });
    await page.getByText(/Step 2\/2: Export dataset \w{19} to \/bucket\/pets\/coco\//).waitFor({ timeout: UI_TIMEOUT });
    await snap('ui-run.png');

    await page.getByRole('tab', { name: /Relationships/ }).click();
    await workflowLink(`${CHAIN_ID}.step-1`).waitFor({ timeout: UI_TIMEOUT });
    await workflowLink(`${CHAIN_ID}.step-2`).waitFor({ timeout: UI_TIMEOUT });

    // Summary and details are markdown, rendered by the UI in sandboxed iframes.
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    await page
      .frameLocator('#user-metadata-summary')
      .getByText(CHAIN_SUMMARY, { exact: true })
      .waitFor({ timeout: UI_TIMEOUT });
  });

  it('shows the running step: its current details, and the API calls and timers in its history', async () => {
    await page.goto(`${uiUrl}/namespaces/default/workflows/${WAITING_ID}`);
    await page.getByRole('tab', { name: /Relationships/ }).click();
    await workflowLink(`${WAITING_ID}.step-1`).click();
    await runTitle(`${WAITING_ID}.step-1`).waitFor({ timeout: UI_TIMEOUT });
    await runStatus('Running').waitFor({ timeout: UI_TIMEOUT });

    await page.getByRole('tab', { name: 'User Metadata' }).click();
    // The step's static summary (the UI's markdown renders "1/1" with a fraction slash).
    await page
      .frameLocator('#user-metadata-summary')
      .getByText(new RegExp(`Step 1.1: Export dataset ${CARS} to /bucket/cars/out/`))
      .waitFor({ timeout: UI_TIMEOUT });
    // Current details come from the running workflow itself (the UI queries it through the worker).
    const details = page.frameLocator('#user-metadata-current-details');
    await details.getByText(/Status reads: \d+ · next read \d{4}-\d\d-\d\dT/).waitFor({ timeout: UI_TIMEOUT });
    await details.getByText(/Status RUNNING \(running\) · \d+\.\d%/).waitFor({ timeout: UI_TIMEOUT });
    await details.getByText(CARS).waitFor({ timeout: UI_TIMEOUT });
    await snap('ui-step-details.png');

    await page.getByRole('tab', { name: /Event History/ }).click();
    await page
      .getByText(new RegExp(`^GET /v2/\\{project_id\\}/datasets/${CARS}/export-tasks/\\w+$`))
      .first()
      .waitFor({ timeout: UI_TIMEOUT });
    await page
      .getByText(/^next status read \(/)
      .first()
      .waitFor({ timeout: UI_TIMEOUT });
  });
});
