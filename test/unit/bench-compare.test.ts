/** `npm run bench -- --compare`: every numeric figure of each part, matched by path, with its change. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  changeOf,
  compareCommand,
  compareResults,
  figuresOf,
  formatComparison,
  newestResults,
} from '../../bench/compare.js';
import { provenance } from '../../bench/provenance.js';

/** The committed figures: an overhead part as latest.json merges it, and a part the other file lacks. */
const against = {
  overhead: {
    config: { runs: 500, tuning: { WORKER_MAX_CACHED_WORKFLOWS: 2000 } },
    batches: [{ variant: 'ours', round: 0, exportsPerSec: 9.1 }],
    summary: { ours: { exportsPerSec: { median: 10 }, cpuMsPerExport: { worker: 36.67 } } },
    ratio: 0.7,
    tracingRatio: 0.96,
    met: false,
    measuredAt: '2026-12-06T04:36:25.674Z',
    machine: { nproc: 2, loadAverage: [1, 2, 3], commit: '882cc36', dirty: false },
    command: 'npm run bench -- --only overhead',
  },
  follow: {
    rows: [
      { follow: 'every second', taskMs: 600000, progressQueries: 581 },
      { follow: 'aimed at reads', taskMs: 600000, progressQueries: 28 },
    ],
    measuredAt: '2026-12-06T02:35:01.320Z',
    command: 'npm run bench -- --only follow',
  },
  updatedAt: '2026-12-06T04:36:25.674Z',
};

/** A new run, as a timestamped file writes it: machine and command at the top. */
const file = {
  machine: { nproc: 2, loadAverage: [0.5], commit: 'abc1234', dirty: true },
  command: 'npm run bench -- --only overhead',
  quick: false,
  startedAt: '2026-12-10T10:00:00.000Z',
  overhead: {
    config: { runs: 500 },
    batches: [{ variant: 'ours', round: 0, exportsPerSec: 15 }],
    // the median changed, the tracing ratio is gone, the worker CPU is unchanged, a new figure appears
    summary: { ours: { exportsPerSec: { median: 15 }, cpuMsPerExport: { worker: 36.67 } } },
    ratio: 0.7,
    ratioBudgetShaped: 0.95,
    measuredAt: '2026-12-10T10:20:00.000Z',
  },
};

describe('bench --compare', () => {
  it('takes every numeric leaf as a figure, leaving out config, machine, raw batches and identity fields', () => {
    expect([...figuresOf(against.overhead).keys()]).toEqual([
      'summary.ours.exportsPerSec.median',
      'summary.ours.cpuMsPerExport.worker',
      'ratio',
      'tracingRatio',
    ]);
    // Table rows are named by their identifying fields; raw samples (arrays of numbers) are not figures.
    expect(
      figuresOf({
        main: [
          { durationMs: 60000, shape: 'linear', reads: 4 },
          { durationMs: 21600000, shape: 'linear', reads: 5 },
        ],
        rssTimelineMiB: [1, 2, 3],
        live: [{ workflowId: 'w1', reads: 7 }],
      }),
    ).toEqual(
      new Map([
        ['main[1 min linear].reads', 4],
        ['main[6 h linear].reads', 5],
      ]),
    );
  });

  it('reports a changed, an unchanged, a missing and a new figure, and a part in one file only', () => {
    const [overhead, follow] = compareResults(file, against);
    expect(overhead!.part).toBe('overhead');
    const byFigure = Object.fromEntries(overhead!.rows.map((r) => [r.figure, changeOf(r)]));
    expect(byFigure).toEqual({
      'summary.ours.exportsPerSec.median': '+50 %',
      'summary.ours.cpuMsPerExport.worker': '0 %',
      ratio: '0 %',
      tracingRatio: 'gone',
      ratioBudgetShaped: 'new',
    });
    // Each side names the commit, date and command its figures came from.
    expect(overhead!.against).toBe('measured at `882cc36` on 2026-12-06 04:36 UTC, `npm run bench -- --only overhead`');
    expect(overhead!.file).toBe(
      'measured at `abc1234` with uncommitted changes on 2026-12-10 10:20 UTC, `npm run bench -- --only overhead`',
    );
    expect(follow).toMatchObject({ part: 'follow', onlyIn: 'against', rows: [] });
    expect(follow!.against).toContain('(commit unknown)');

    const text = formatComparison([overhead!, follow!], { file: 'new.json', against: 'latest.json' });
    expect(text).toMatch(/\| summary\.ours\.exportsPerSec\.median +\| +10 \| +15 \| +\+50 % \|/);
    expect(text).toMatch(/\| tracingRatio +\| +0\.96 \| +– \| +gone \|/);
    expect(text).toContain('5 figures: 2 unchanged, 1 up, 0 down, 1 new, 1 gone');
    expect(text).toContain('Only in latest.json, not compared: follow');
    expect(text).not.toContain('### follow');
    // --changed: only what moved in the table; the count still covers every figure.
    const changed = formatComparison([overhead!], { file: 'new.json', against: 'latest.json' }, { changedOnly: true });
    expect(changed).toContain('5 figures: 2 unchanged');
    expect(changed).toMatch(/\| tracingRatio /);
    expect(changed).not.toMatch(/\| ratio /);
  });

  it('formats changes down, small and from zero', () => {
    expect(changeOf({ figure: 'x', against: 10, value: 9.5 })).toBe('-5.0 %');
    expect(changeOf({ figure: 'x', against: 10, value: 10.001 })).toBe('+0.0 %');
    expect(changeOf({ figure: 'x', against: 0, value: 3 })).toBe('from 0');
  });

  it('defaults to the newest timestamped file against the committed latest.json, and names a bad file clearly', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'bench-compare-'));
    const results = path.join(root, 'bench', 'results');
    mkdirSync(results, { recursive: true });
    writeFileSync(path.join(results, '20261201T000000Z.json'), JSON.stringify({ overhead: { ratio: 1 } }));
    writeFileSync(path.join(results, 'latest.json'), JSON.stringify(against));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'ignore' });
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', 'commit', '-q', '-m', 'figures');
    // A new run: its timestamped file, and latest.json in the work tree already merged with it.
    writeFileSync(path.join(results, '20261210T100000Z.json'), JSON.stringify(file));
    writeFileSync(path.join(results, 'latest.json'), JSON.stringify({ ...against, overhead: file.overhead }));
    writeFileSync(path.join(results, 'quick.tmp.json'), '{}');
    expect(newestResults(results)).toBe(path.join(results, '20261210T100000Z.json'));

    const text = compareCommand([], root);
    expect(text.split('\n')[0]).toBe(
      'Figures of bench/results/20261210T100000Z.json against HEAD:bench/results/latest.json (no assertion: read before a release)',
    );
    expect(text).toContain('+50 %'); // against the committed figures, not the work tree's merged ones
    expect(compareCommand(['bench/results/20261210T100000Z.json', 'bench/results/latest.json'], root)).not.toContain(
      '+50 %',
    );
    expect(() => compareCommand(['bench/results/nope.json'], root)).toThrow(
      '--compare: no such results file: bench/results/nope.json',
    );
    expect(() => compareCommand(['bench/results/quick.tmp.json', 'HEAD:nope.json'], root)).toThrow(
      /--compare: HEAD:nope\.json is neither a file nor a git REV:PATH/,
    );
  });

  it('says "commit unknown" for results that recorded none', () => {
    expect(provenance({ measuredAt: '2026-11-23T02:08:32.065Z', command: 'npm run bench -- --only scale' })).toBe(
      'measured on 2026-11-23 02:08 UTC (commit unknown), `npm run bench -- --only scale`',
    );
  });
});
