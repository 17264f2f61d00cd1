/**
 * The alert rules in deploy/prometheus/rules/, checked and unit-tested by Debian's promtool (2.42, installed by
 * `pretest`: ensure-test-tools prometheus): `promtool check rules` and `promtool test rules` must both pass. Each
 * alert also needs a test that names it and a runbook line in docs/alerts.md under the anchor its annotation gives.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const repo = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const rulesDir = path.join(repo, 'deploy', 'prometheus', 'rules');
const testsDir = path.join(repo, 'deploy', 'prometheus', 'tests');
const yamlIn = (dir: string) =>
  readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => path.join(dir, f));

function promtool(...args: string[]) {
  const result = spawnSync('promtool', args, { encoding: 'utf8', cwd: repo });
  if (result.error) {
    throw new Error(
      `promtool could not run (${result.error.message}): it comes with Debian's prometheus package; ` +
        'run `node dist/scripts/ensure-test-tools.js prometheus` as root, or `apt-get install prometheus`.',
    );
  }
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

interface Rule {
  alert?: string;
  record?: string;
  annotations?: Record<string, string>;
}
const alerts: Rule[] = yamlIn(rulesDir)
  .flatMap((file) =>
    (parse(readFileSync(file, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules),
  )
  .filter((r) => r.alert);

describe('deploy/prometheus alert rules', () => {
  it('pass `promtool check rules`', () => {
    const { ok, output } = promtool('check', 'rules', ...yamlIn(rulesDir));
    expect({ ok, output }).toEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
  });

  it('pass every `promtool test rules` unit test', () => {
    const { ok, output } = promtool('test', 'rules', ...yamlIn(testsDir));
    expect({ ok, output }).toEqual({ ok: true, output: expect.not.stringContaining('FAILED') });
  });

  it('a wrong expectation makes `promtool test rules` fail (so the test above can fail)', () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'promtool-test-'));
    try {
      const broken = readFileSync(path.join(testsDir, 'modelarts.test.yml'), 'utf8')
        .replace('../rules/modelarts.yml', path.join(rulesDir, 'modelarts.yml'))
        .replace('tenant: acme, reason: worker-not-running', 'tenant: someone-else, reason: worker-not-running');
      writeFileSync(path.join(scratch, 'broken.test.yml'), broken);
      const { ok, output } = promtool('test', 'rules', path.join(scratch, 'broken.test.yml'));
      expect(ok).toBe(false);
      expect(output).toContain('ModelArtsWaitOverdue');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('cover the alerts issue #21 asks for', () => {
    expect(alerts.map((a) => a.alert).sort()).toEqual(
      expect.arrayContaining([
        'ModelArtsBudgetBacklogGrowing',
        'ModelArtsBudgetPausedTooLong',
        'ModelArtsDrainNotFinished',
        'ModelArtsTaskQueueNoPollers',
        'ModelArtsThrottling',
        'ModelArtsWaitOverdue',
        'ModelArtsWorkerRestartLoop',
        'TemporalWorkflowNonDeterminism',
        'TemporalWorkflowTaskFailures',
      ]),
    );
  });

  it('give every alert a promtool test and a runbook line in docs/alerts.md', () => {
    const tests = yamlIn(testsDir)
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const docs = readFileSync(path.join(repo, 'docs', 'alerts.md'), 'utf8');
    const problems = alerts.flatMap((a) => {
      const name = a.alert!;
      const runbook = a.annotations?.runbook ?? '';
      const anchor = runbook.split('#')[1] ?? '';
      const heading = docs.split('\n').find((line) => /^#+ /.test(line) && line.replace(/^#+ /, '').trim() === name);
      return [
        ...(tests.includes(`alertname: ${name}\n`) ? [] : [`${name}: no promtool test`]),
        ...(runbook.startsWith('docs/alerts.md#') && anchor === name.toLowerCase()
          ? []
          : [`${name}: runbook annotation must be docs/alerts.md#${name.toLowerCase()}`]),
        ...(heading ? [] : [`${name}: no "### ${name}" heading in docs/alerts.md`]),
        ...(existsSync(path.join(repo, 'docs', 'alerts.md')) ? [] : ['docs/alerts.md is missing']),
      ];
    });
    expect(problems).toEqual([]);
  });
});
