/**
 * src/ reads one way: each folder imports only the layers below it (the table in /work/shared/design.md "Layout",
 * as the code stands). A new upward arrow fails here; a new allowed one is a line in LAYERS, with its reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const src = path.resolve('src');

/** Root files that are leaves anyone may import. */
const LEAVES = ['config-error', 'loopback', 'secret-files', 'logger', 'config'];

/**
 * What each part of src/ may import: `runtime` (any import), and `types` (type-only imports, which add no code and
 * no load-time dependency). `workflows/types` (plain data crossing the Temporal boundary) is open to every layer.
 */
const LAYERS: Record<string, { runtime: string[]; types?: string[] }> = {
  // The REST client and the fake service: nothing from Temporal (checked below too), no orchestration.
  modelarts: { runtime: ['config-error', 'loopback', 'secret-files'] },
  polling: { runtime: [] },
  simulator: { runtime: ['modelarts', 'polling', 'loopback'] },
  // The shared contract: failures, activity tables, visibility names, path placeholders.
  contract: { runtime: [], types: ['budget'] },
  budget: { runtime: [] },
  deployment: { runtime: ['config-error'] },
  // Deterministic code: polling/, the contract and types only (budget/classes.ts is sandbox-safe vocabulary).
  workflows: { runtime: ['polling', 'contract', 'budget'], types: ['activities', 'modelarts'] },
  // sealed/: the search-hash local activity hashes with the tenant's key (sealed runs' search attributes).
  activities: { runtime: ['modelarts', 'polling', 'contract', 'budget', 'sealed'] },
  spec: { runtime: ['modelarts', 'polling', 'budget', 'contract', 'workflows'] },
  devserver: { runtime: ['workflows'] },
  // OpenTelemetry setup, the worker's span sink and activity interceptors (the HTTP spans' seam is in modelarts/).
  tracing: { runtime: ['contract', 'modelarts', 'config-error'] },
  // Sealed mode: the payload codec, its keys and the codec server (secrets registered with modelarts/redact.ts);
  // the search attribute names it hashes are workflows/search-attributes.ts's.
  sealed: { runtime: ['budget', 'modelarts', 'config-error', 'secret-files', 'workflows'] },
  client: {
    runtime: ['modelarts', 'polling', 'contract', 'budget', 'spec', 'workflows', 'tracing', 'sealed', ...LEAVES],
  },
  worker: {
    runtime: [
      ...['activities', 'modelarts', 'contract', 'budget', 'deployment', 'worker-group', 'tracing', 'sealed'],
      ...LEAVES,
    ],
  },
  local: { runtime: ['devserver', 'simulator', 'modelarts', 'client', 'worker', ...LEAVES] },
};

/** Known exceptions, file by file; each is a debt, not a licence. */
const EXCEPTIONS: Record<string, string[]> = {
  // A worker-side metrics loop that reads the budget through the library (code-review-turn3 §2).
  'budget/gauges.ts': ['client'],
};

/** The part of src/ a file belongs to: its folder, or its name for a root file. */
const partOf = (file: string): string => {
  const rel = path.relative(src, file).split(path.sep);
  return rel.length > 1 ? rel[0]! : rel[0]!.replace(/\.ts$/, '');
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

interface Edge {
  from: string;
  target: string;
  typeOnly: boolean;
  specifier: string;
}

function importsOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(import|export)(\s+type)?\s[^'"]*?from\s+'([^']+)'/g)].map((m) => {
    const specifier = m[3]!;
    const target = specifier.startsWith('.')
      ? path.relative(src, path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts')))
      : specifier;
    return { from: path.relative(src, file), target, typeOnly: Boolean(m[2]), specifier };
  });
}

const edges = sourceFiles(src).flatMap(importsOf);

function upward(edge: Edge): boolean {
  if (edge.target.startsWith('@') || !edge.target.includes('.ts')) return false; // a package
  const from = partOf(path.join(src, edge.from));
  const to = partOf(path.join(src, edge.target));
  const rule = LAYERS[from];
  if (!rule || from === to) return false; // entry points (index, cli, scripts, stack) may import any layer
  if (edge.target === 'workflows/types.ts' && edge.typeOnly) return false;
  if (EXCEPTIONS[edge.from]?.includes(to)) return false;
  return !(rule.runtime.includes(to) || (edge.typeOnly && rule.types?.includes(to)));
}

it('has no upward import in src/ (per the layer table)', () => {
  const found = edges.filter(upward).map((e) => `${e.from} → ${e.target}${e.typeOnly ? ' (type)' : ''}`);
  expect(found).toEqual([]);
});

it('keeps Temporal out of src/modelarts/, src/simulator/ and src/polling/', () => {
  const found = edges
    .filter((e) => ['modelarts', 'simulator', 'polling'].includes(partOf(path.join(src, e.from))))
    .filter((e) => e.specifier.startsWith('@temporalio/'))
    .map((e) => `${e.from} → ${e.specifier}`);
  expect(found).toEqual([]);
});

it('keeps workflow modules out of the worker, the activities and the contract', () => {
  const found = edges
    .filter((e) => ['worker', 'activities', 'contract'].includes(partOf(path.join(src, e.from))))
    .filter((e) => e.target.startsWith('workflows/') && !(e.typeOnly && e.target === 'workflows/types.ts'))
    .map((e) => `${e.from} → ${e.target}`);
  expect(found).toEqual([]);
});

it('sees an upward arrow when there is one (the check itself works)', () => {
  expect(upward({ from: 'activities/x.ts', target: 'client/runs.ts', typeOnly: false, specifier: '' })).toBe(true);
  expect(upward({ from: 'worker.ts', target: 'workflows/x.ts', typeOnly: false, specifier: '' })).toBe(true);
  expect(upward({ from: 'workflows/x.ts', target: 'activities/y.ts', typeOnly: false, specifier: '' })).toBe(true);
  expect(upward({ from: 'workflows/x.ts', target: 'activities/y.ts', typeOnly: true, specifier: '' })).toBe(false);
});
