/**
 * `npm run bench -- --compare [FILE [AGAINST]]`: measures nothing; prints every figure of every part in FILE next
 * to the same figure in AGAINST, with the change in %. A report to read before a release: nothing is asserted and
 * it exits 0. FILE defaults to the newest bench/results/<timestamp>.json, AGAINST to the committed
 * bench/results/latest.json (`HEAD:bench/results/latest.json`); either may be a path or a git `REV:PATH`. With
 * `--changed` the tables leave out the figures that did not move.
 *
 * A figure is any numeric leaf of a part's results, found by walking the JSON, so a new figure shows up without
 * code here. Left out: the configuration and the machine, raw samples (arrays of numbers) and raw per-run or
 * per-batch rows (arrays whose rows carry no name). Rows of a table are named by their identifying fields
 * (`replay.main[1 min linear].ours.worst.reads`, `phases[B: budget].requests`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { partMeta, provenance } from './provenance.js';

type Doc = Record<string, unknown>;

/** Keys whose subtree is configuration, environment or raw rows, not a figure. */
const SKIP_KEYS = new Set([
  'config',
  'machine',
  'dynamicConfig',
  'tuning',
  'policy',
  'batches',
  'eventTypes',
  'versions',
  'errors',
]);
/** Top-level keys of a results file that are not parts. */
const NOT_PARTS = new Set(['machine', 'dynamicConfig', 'errors']);
/** Fields that name a row of a table, in the order they make its label. */
const LABEL_KEYS = ['name', 'label', 'variant', 'follow', 'server', 'equivalentMs', 'durationMs', 'shape'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** 60000 → "1 min", 21600000 → "6 h": how the tables name task lengths. */
function durationLabel(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

function rowLabel(row: Record<string, unknown>): string | undefined {
  const parts = LABEL_KEYS.flatMap((key) => {
    const v = row[key];
    if (typeof v === 'string') return [v];
    if (typeof v === 'number' && key.endsWith('Ms')) return [durationLabel(v)];
    return [];
  });
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/** Every figure of one part: dotted path → value, in document order. */
export function figuresOf(part: unknown): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (value: unknown, at: string): void => {
    if (typeof value === 'number') {
      if (Number.isFinite(value)) out.set(at, value);
    } else if (Array.isArray(value)) {
      if (!value.every(isObject)) return; // raw samples (or mixed): not figures
      const labels = value.map(rowLabel);
      if (labels.some((l) => l === undefined)) return; // raw per-run rows: nothing to match them by
      const seen = new Map<string, number>();
      value.forEach((row, i) => {
        const base = labels[i]!;
        const n = (seen.get(base) ?? 0) + 1;
        seen.set(base, n);
        const rest = Object.fromEntries(Object.entries(row).filter(([k]) => !LABEL_KEYS.includes(k)));
        walk(rest, `${at}[${n > 1 ? `${base} #${n}` : base}]`);
      });
    } else if (isObject(value)) {
      for (const [key, child] of Object.entries(value)) {
        if (SKIP_KEYS.has(key)) continue;
        walk(child, at === '' ? key : `${at}.${key}`);
      }
    }
  };
  walk(part, '');
  return out;
}

/** The parts a results file holds (timestamped or merged): its object-valued top-level keys. */
export function partsOf(doc: Doc): string[] {
  return Object.keys(doc).filter((key) => !NOT_PARTS.has(key) && isObject(doc[key]));
}

export interface FigureRow {
  figure: string;
  against?: number;
  value?: number;
}

export interface PartComparison {
  part: string;
  /** Where each side's figures came from (commit, date, command). */
  file?: string;
  against?: string;
  /** Only when the part is in both files. */
  rows: FigureRow[];
  /** The part is in one file only. */
  onlyIn?: 'file' | 'against';
}

/** Figure by figure, the parts of `file` against those of `against` (both parsed results documents). */
export function compareResults(file: Doc, against: Doc): PartComparison[] {
  const parts = [...partsOf(against), ...partsOf(file).filter((p) => !partsOf(against).includes(p))];
  return parts.map((part): PartComparison => {
    const inFile = isObject(file[part]);
    const inAgainst = isObject(against[part]);
    const meta = {
      ...(inFile && { file: provenance(partMeta(file, part)) }),
      ...(inAgainst && { against: provenance(partMeta(against, part)) }),
    };
    if (!inFile || !inAgainst) return { part, ...meta, rows: [], onlyIn: inFile ? 'file' : 'against' };
    const a = figuresOf(against[part]);
    const f = figuresOf(file[part]);
    const rows: FigureRow[] = [...a].map(([figure, v]) => ({
      figure,
      against: v,
      ...(f.has(figure) && { value: f.get(figure)! }),
    }));
    for (const [figure, v] of f) if (!a.has(figure)) rows.push({ figure, value: v });
    return { part, ...meta, rows };
  });
}

/** The change from `against` to `value`: "+12.3 %", "0 %", "new", "gone", "from 0". */
export function changeOf(row: FigureRow): string {
  if (row.against === undefined) return 'new';
  if (row.value === undefined) return 'gone';
  if (row.value === row.against) return '0 %';
  if (row.against === 0) return 'from 0';
  const pct = ((row.value - row.against) / Math.abs(row.against)) * 100;
  const text = Math.abs(pct) >= 10 ? pct.toFixed(0) : pct.toFixed(1);
  return `${pct > 0 ? '+' : ''}${text} %`;
}

/** Up to 4 significant digits, whole numbers from 1,000 up. */
function fmtValue(v: number | undefined): string {
  if (v === undefined) return '–';
  if (Math.abs(v) >= 1000) return String(Math.round(v));
  return String(+v.toPrecision(4));
}

function table(header: string[], rows: string[][], alignRight: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cols: string[]) =>
    `| ${cols.map((c, i) => (alignRight[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (alignRight[i] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** The report: per part, where both sides came from, a count of what moved, and the table. */
export function formatComparison(
  comparisons: PartComparison[],
  names: { file: string; against: string },
  options: { changedOnly?: boolean } = {},
): string {
  const out: string[] = [`Figures of ${names.file} against ${names.against} (no assertion: read before a release)`];
  // Parts in one file only (a run of one part against the merged latest.json): named once, not compared.
  for (const side of ['file', 'against'] as const) {
    const only = comparisons.filter((c) => c.onlyIn === side).map((c) => c.part);
    if (only.length > 0) out.push(`Only in ${names[side]}, not compared: ${only.join(', ')}`);
  }
  for (const c of comparisons) {
    if (c.onlyIn) continue;
    out.push('', `### ${c.part}`, '');
    out.push(`- against: ${c.against ?? ''}`, `- file:    ${c.file ?? ''}`);
    const changes = c.rows.map(changeOf);
    const count = (pred: (ch: string) => boolean) => changes.filter(pred).length;
    out.push(
      `- ${c.rows.length} figures: ${count((ch) => ch === '0 %')} unchanged, ${count((ch) => ch.startsWith('+') || ch === 'from 0')} up, ` +
        `${count((ch) => ch.startsWith('-'))} down, ${count((ch) => ch === 'new')} new, ${count((ch) => ch === 'gone')} gone`,
      '',
    );
    // --changed: the table keeps only what moved (the count above still covers every figure).
    const shown = c.rows.flatMap((r, i) =>
      options.changedOnly && changes[i] === '0 %'
        ? []
        : [[r.figure, fmtValue(r.against), fmtValue(r.value), changes[i]!]],
    );
    if (shown.length > 0) out.push(table(['figure', 'against', 'file', 'change'], shown, [false, true, true, true]));
  }
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------------------------

/** The committed figures, as `--compare` takes them by default. */
export const COMMITTED_LATEST = 'HEAD:bench/results/latest.json';

/** The newest timestamped results file (bench/results/20261123T014052Z.json), or undefined. */
export function newestResults(resultsDir: string): string | undefined {
  const stamped = readdirSync(resultsDir)
    .filter((name) => /^\d{8}T\d{6}Z\.json$/.test(name))
    .sort();
  const newest = stamped.at(-1);
  return newest === undefined ? undefined : path.join(resultsDir, newest);
}

/** A results document from a path, or from git as `REV:PATH` (relative to the repository root). */
export function loadResults(spec: string, root: string): Doc {
  const file = path.resolve(root, spec);
  let text: string;
  if (existsSync(file)) text = readFileSync(file, 'utf8');
  else if (/^[^:/\\]+:.+/.test(spec)) {
    try {
      text = execFileSync('git', ['show', spec], {
        cwd: root,
        encoding: 'utf8',
        maxBuffer: 256 * 2 ** 20,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      throw new Error(`--compare: ${spec} is neither a file nor a git REV:PATH (${(err as Error).message.trim()})`);
    }
  } else throw new Error(`--compare: no such results file: ${spec}`);
  try {
    const doc = JSON.parse(text) as unknown;
    if (!isObject(doc)) throw new Error('not a JSON object');
    return doc;
  } catch (err) {
    throw new Error(`--compare: ${spec} is not a bench results file (${(err as Error).message})`);
  }
}

/** The `--compare` command: resolves the defaults, loads both sides and returns the report. */
export function compareCommand(args: string[], root: string, options: { changedOnly?: boolean } = {}): string {
  if (args.length > 2) throw new Error(`--compare takes at most two files (FILE [AGAINST]); got ${args.length}`);
  const resultsDir = path.join(root, 'bench', 'results');
  const fileSpec = args[0] ?? newestResults(resultsDir);
  if (fileSpec === undefined) throw new Error('--compare: no bench/results/<timestamp>.json yet; name a FILE');
  const againstSpec = args[1] ?? COMMITTED_LATEST;
  const name = (spec: string) =>
    existsSync(path.resolve(root, spec)) ? path.relative(root, path.resolve(root, spec)) : spec;
  return formatComparison(
    compareResults(loadResults(fileSpec, root), loadResults(againstSpec, root)),
    {
      file: name(fileSpec),
      against: name(againstSpec),
    },
    options,
  );
}
