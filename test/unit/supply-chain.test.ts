/**
 * What we ship and run at install time: licences of the production tree (one list, licenses.json), install scripts
 * (each one decided in package.json `allowScripts`), one version of each Temporal package, and the test commands'
 * apt installs that a user can refuse.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface LockEntry {
  version?: string;
  license?: string;
  dev?: boolean;
}
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, LockEntry> };
const policy = JSON.parse(readFileSync('licenses.json', 'utf8')) as {
  accepted: string[];
  exceptions: Record<string, { license: string; why: string }>;
};

/** `node_modules/a/node_modules/@b/c` → `@b/c`. */
const nameOf = (entryPath: string) => entryPath.slice(entryPath.lastIndexOf('node_modules/') + 'node_modules/'.length);

/** An SPDX expression of ids joined by AND / OR (parentheses ignored): every AND part, or one OR part, accepted. */
function acceptable(expression: string): boolean {
  const ids = (part: string) => part.replace(/[()]/g, '').trim();
  return expression
    .split(/\s+OR\s+/)
    .some((alternative) => alternative.split(/\s+AND\s+/).every((id) => policy.accepted.includes(ids(id))));
}

it('every package of the production tree has a licence we accept, or a named exception', () => {
  const production = Object.entries(lock.packages).filter(([entryPath, entry]) => entryPath !== '' && !entry.dev);
  expect(production.length).toBeGreaterThan(100);
  const refused = production.flatMap(([entryPath, entry]) => {
    const name = nameOf(entryPath);
    const exception = policy.exceptions[`${name}@${entry.version}`] ?? policy.exceptions[name];
    if (exception)
      return exception.license === (entry.license ?? exception.license) ? [] : [`${name}: ${entry.license}`];
    return entry.license && acceptable(entry.license) ? [] : [`${name}@${entry.version}: ${entry.license ?? 'none'}`];
  });
  expect(refused).toEqual([]);
});

it('every install script in the tree is decided in package.json allowScripts', () => {
  const out = execFileSync('npm', ['install-scripts', 'ls'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  expect(out).toContain('No packages with unreviewed install scripts');
});

it('the lockfile resolves one version of each @temporalio package', () => {
  const versions = new Map<string, Set<string>>();
  for (const [entryPath, entry] of Object.entries(lock.packages)) {
    const name = nameOf(entryPath);
    if (!name.startsWith('@temporalio/') || !entry.version) continue;
    versions.set(name, (versions.get(name) ?? new Set()).add(entry.version));
  }
  const all = new Set([...versions.values()].flatMap((v) => [...v]));
  expect({ packages: versions.size > 5, versions: [...all] }).toEqual({
    packages: true,
    versions: [expect.any(String)],
  });
});

it('MODELARTS_NO_APT=1 installs nothing and prints the apt command instead', () => {
  const result = spawnSync(process.execPath, [path.resolve('dist', 'scripts', 'ensure-test-tools.js'), 'chromium'], {
    env: { ...process.env, MODELARTS_NO_APT: '1', CHROMIUM_PATH: '/nonexistent/chromium' },
    encoding: 'utf8',
  });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('apt-get install -y --no-install-recommends chromium');
  expect(result.stderr).toContain('MODELARTS_NO_APT is set, so nothing was installed');
});
