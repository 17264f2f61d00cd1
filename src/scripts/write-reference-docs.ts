/** `npm run docs:reference`: writes docs/cli.md and docs/configuration.md (see reference-docs.ts). */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../devserver/resolve-cli.js';
import { referencePages } from './reference-docs.js';

for (const [file, text] of Object.entries(await referencePages())) {
  await writeFile(path.join(projectRoot, file), text);
  console.log(`wrote ${file}`);
}
