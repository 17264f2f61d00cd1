/**
 * `node dist/scripts/ensure-test-tools.js TOOL...`: makes sure the system tools a test command needs are there,
 * installing Debian's packages when we may (root with apt-get), so the README's test commands pass on a fresh
 * machine. `MODELARTS_NO_APT=1` says no to that: the command is printed instead. When it cannot install, it prints
 * one line saying what to install and exits 1.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ensureJaeger } from '../stack/binaries.js';

interface Tool {
  /** Debian package that provides it; none for a tool apt cannot give in a usable version. */
  debian?: string;
  present: () => boolean;
  hint: string;
}

const onPath = (name: string) =>
  (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, name)));

const TOOLS: Record<string, Tool> = {
  chromium: {
    debian: 'chromium',
    present: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'),
    hint: 'the Web UI tests drive headless Chromium',
  },
  'docker-compose': {
    debian: 'docker-compose',
    present: () => onPath('docker-compose'),
    hint: 'validates docker-compose.yml without a Docker engine',
  },
  postgresql: {
    debian: 'postgresql',
    present: () =>
      existsSync('/usr/lib/postgresql') &&
      readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`)),
    hint: 'the native stack runs a private PostgreSQL cluster',
  },
  go: {
    present: () => onPath('go'),
    hint: 'the native stack builds temporal-server with Go 1.26.8 or later (go.dev/dl)',
  },
  prometheus: {
    // Debian's 2.42 ships promtool beside the server: the rule tests need the one, the stack the other.
    debian: 'prometheus',
    present: () => onPath('prometheus') && onPath('promtool'),
    hint: 'promtool tests the alert rules and the native stack runs Prometheus',
  },
  jaeger: {
    // Built with Go after the apt step (below), not installed: present once the build is cached.
    present: () => onPath('go'),
    hint: 'the native stack builds Jaeger v1.75.0 with Go 1.26.8 or later (go.dev/dl)',
  },
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in TOOLS));
if (unknown.length > 0) {
  console.error(`ensure-test-tools: unknown tool ${unknown.join(', ')}; known: ${Object.keys(TOOLS).join(', ')}`);
  process.exit(2);
}
const missing = wanted.filter((name) => !TOOLS[name]!.present());
const installable = missing.filter((name) => TOOLS[name]!.debian);
const aptRefused = ['1', 'true'].includes(process.env.MODELARTS_NO_APT ?? '');
const canInstall =
  !aptRefused && process.getuid?.() === 0 && onPath('apt-get') && installable.length === missing.length;

if (missing.length > 0 && canInstall) {
  const packages = installable.map((name) => TOOLS[name]!.debian!);
  console.error(
    `test tools: installing Debian's ${packages.join(', ')} (${installable.map((n) => TOOLS[n]!.hint).join('; ')})`,
  );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env,
  });
}
const stillMissing = wanted.filter((name) => !TOOLS[name]!.present());
if (stillMissing.length > 0) {
  const how = stillMissing.map((n) => (TOOLS[n]!.debian ? `apt-get install ${TOOLS[n]!.debian}` : `install ${n}`));
  const packages = stillMissing.flatMap((n) => (TOOLS[n]!.debian ? [TOOLS[n]!.debian] : []));
  console.error(
    `test tools missing: ${stillMissing.map((n) => `${n} (${TOOLS[n]!.hint})`).join(', ')}. ` +
      (aptRefused
        ? `MODELARTS_NO_APT is set, so nothing was installed: run ` +
          `\`apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}\` as root` +
          `${packages.length < stillMissing.length ? `, and ${how.filter((h) => h.startsWith('install ')).join('; ')}` : ''}, then the test command again.`
        : `Install them (${how.join('; ')}) or run the test command as root, which installs them.`),
  );
  process.exit(1);
}
if (wanted.includes('jaeger')) {
  // Cached beside the Temporal server; a cold build takes minutes, so it happens here and not inside a test.
  const started = Date.now();
  const binary = await ensureJaeger((line) => console.error(`test tools: ${line}`));
  if (Date.now() - started > 1000)
    console.error(`test tools: Jaeger built in ${Math.round((Date.now() - started) / 1000)} s: ${binary}`);
}
