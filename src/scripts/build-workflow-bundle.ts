/** Prebuilds the workflow bundle for production worker starts (and the tests), so workers skip webpack at start. */
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// Unversioned workers load index.js; versioned ones (MODELARTS_DEPLOYMENT_NAME) versioned.js, which adds each
// workflow's versioning behaviour (the SDK refuses one on a worker without deployment options).
// Sealed workers (MODELARTS_SEALED=true) load the -sealed twin, whose failure converter puts failure messages and
// stacks into sealed payloads (src/sealed/failure-converter.ts); the workflow code is the same.
for (const [entry, file, sealed] of [
  ['index.js', 'workflow-bundle.js', false],
  ['versioned.js', 'workflow-bundle-versioned.js', false],
  ['index.js', 'workflow-bundle-sealed.js', true],
  ['versioned.js', 'workflow-bundle-versioned-sealed.js', true],
] as const) {
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(here, '..', 'workflows', entry),
    // Always in: tracing is a no-op sink when off, so traced and untraced workers run the same workflow code.
    workflowInterceptorModules: [path.join(here, '..', 'workflows', 'tracing.js')],
    ...(sealed && { failureConverterPath: path.join(here, '..', 'sealed', 'failure-converter.js') }),
    logger: new DefaultLogger('WARN'),
  });
  const out = path.join(here, '..', file);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, code);
  console.log(`workflow bundle: ${out} (${(code.length / 1024).toFixed(0)} KiB)`);
}

// The default build id of a versioned worker (src/deployment/worker-version.ts): an installed package has no .git,
// so the commit is recorded here, at build time. MODELARTS_BUILD_ID overrides it at run time.
function gitCommit(): string | undefined {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short=10', 'HEAD'], {
      cwd: here,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return commit.toString().trim() || undefined;
  } catch {
    return undefined;
  }
}
const pkg = JSON.parse(readFileSync(path.join(here, '..', '..', 'package.json'), 'utf8')) as { version: string };
// MODELARTS_BUILD_COMMIT: for builds without .git (the Dockerfile's build argument).
const buildInfo = { version: pkg.version, commit: process.env.MODELARTS_BUILD_COMMIT?.trim() || gitCommit() };
await writeFile(path.join(here, '..', 'build-info.json'), `${JSON.stringify(buildInfo)}\n`);
console.log(`build info: ${JSON.stringify(buildInfo)}`);
