/** Prebuilds the workflow bundle for production worker starts (and the tests), so workers skip webpack at start. */
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const { code } = await bundleWorkflowCode({
  workflowsPath: path.join(here, '..', 'workflows', 'index.js'),
  logger: new DefaultLogger('WARN'),
});
const out = path.join(here, '..', 'workflow-bundle.js');
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, code);
console.log(`workflow bundle: ${out} (${(code.length / 1024).toFixed(0)} KiB)`);
