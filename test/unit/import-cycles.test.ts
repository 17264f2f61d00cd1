/** src/ reads leaves-first: no module imports, directly or through others, a module that imports it back. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const src = path.resolve('src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Relative imports and re-exports (type-only ones too: they tie the reading order just the same). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+'(\.{1,2}\/[^']+)\.js'/g)].map((m) =>
    path.resolve(path.dirname(file), `${m[1]}.ts`),
  );
}

function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

it('has no import cycles in src/', () => {
  const graph = new Map(sourceFiles(src).map((file) => [file, importsOf(file)]));
  const cycles = findCycles(graph).map((cycle) => cycle.map((f) => path.relative(src, f)).join(' → '));
  expect(cycles).toEqual([]);
});

it('sees a cycle when there is one (the check itself works)', () => {
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['a']],
  ]);
  expect(findCycles(graph)).toEqual([['a', 'b', 'c', 'a']]);
});
