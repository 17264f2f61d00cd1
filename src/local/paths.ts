/** Where the package's entry points are, from wherever this module runs (src/, dist/ or the bench's own build). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const projectRoot = packageRoot(path.dirname(fileURLToPath(import.meta.url)));
/** The real worker (`node dist/worker.js`, with the prebuilt workflow bundle next to it). */
export const workerEntry = path.join(projectRoot, 'dist', 'worker.js');
/** The CLI as users run it. */
export const cliEntry = path.join(projectRoot, 'bin', 'modelarts-export.js');
