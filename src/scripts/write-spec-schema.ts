/** `npm run spec:schema`: writes docs/spec.schema.json from the same zod schemas that validate specs. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../devserver/resolve-cli.js';
import { pipelineSpecJsonSchema } from '../spec/pipeline.js';

const out = path.join(projectRoot, 'docs', 'spec.schema.json');
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify(pipelineSpecJsonSchema(), null, 2)}\n`);
console.log(`wrote ${out}`);
