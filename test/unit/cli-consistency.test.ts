/**
 * The CLI's conventions (docs/cli.md): `--json` wherever a command prints a result, one name per meaning, and old
 * flag names kept working (hidden) after a rename.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { referenceProgram } from '../../src/scripts/reference-docs.js';
import { cli } from '../support/cli-in-process.js';

const walk = (c: Command): Command[] => [c, ...c.commands.flatMap(walk)];
const fullName = (c: Command) => {
  const names: string[] = [];
  for (let x: Command | null = c; x?.parent; x = x.parent) names.unshift(x.name());
  return names.join(' ');
};
const leaves = walk(referenceProgram()).filter((c) => c.commands.length === 0 && c.parent);

/** Long-running processes (they print addresses and logs, not a result) and commands whose result is the exit code. */
const NO_RESULT = new Set(['worker', 'simulator', 'dev', 'stack down', 'exporter', 'codec-server']);

describe('CLI conventions', () => {
  it('offers --json on every command that prints a result', () => {
    const without = leaves
      .filter((c) => !NO_RESULT.has(fullName(c)))
      .filter((c) => !c.options.some((o) => o.long === '--json'))
      .map(fullName);
    expect(without).toEqual([]);
  });

  it('names the state folder --data-dir in dev and stack', () => {
    for (const name of ['dev', 'stack up', 'stack down', 'stack status']) {
      const cmd = leaves.find((c) => fullName(c) === name)!;
      expect({ name, flag: cmd.options.find((o) => o.attributeName() === 'dataDir')?.long }).toEqual({
        name,
        flag: '--data-dir',
      });
    }
  });

  it('gives each long flag one value name across commands (e.g. always --deadline <duration>)', () => {
    const seen = new Map<string, Set<string>>();
    for (const c of leaves)
      for (const o of c.options.filter((x) => !x.hidden && x.long))
        seen.set(o.long!, (seen.get(o.long!) ?? new Set()).add(o.flags));
    // --port is Temporal's in `dev` and the simulator's in `simulator`, the same <n> either way.
    const mixed = [...seen].filter(([, flags]) => flags.size > 1).map(([long, flags]) => `${long}: ${[...flags]}`);
    expect(mixed).toEqual([]);
  });
});

describe('stack status --json, and --dir kept as the hidden old name of --data-dir', () => {
  const empty = () => mkdtempSync(path.join(tmpdir(), 'no-stack-'));

  it('prints one JSON document and exits 1 when no stack runs there', async () => {
    const dir = empty();
    const r = await cli('stack', 'status', '--data-dir', dir, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ dataDir: dir, running: false, parts: [] });
  });

  it('still accepts --dir, and hides it from --help', async () => {
    const dir = empty();
    const r = await cli('stack', 'status', '--dir', dir, '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({ dataDir: dir });
    const help = await cli('stack', 'status', '--help');
    expect(help.stdout).toContain('--data-dir');
    expect(help.stdout).not.toMatch(/--dir\b/);
  });
});
