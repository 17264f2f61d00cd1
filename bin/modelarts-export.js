#!/usr/bin/env node
// Entry of the `modelarts-export` command; the code is in src/cli/ (built to dist/ by `npm run build`).
import { run } from '../dist/cli/main.js';

const code = await run(process.argv.slice(2));
// Exit only after stdout/stderr have drained: piped output is written asynchronously and would be cut short.
await new Promise((resolve) => process.stdout.write('', resolve));
await new Promise((resolve) => process.stderr.write('', resolve));
process.exit(code);
