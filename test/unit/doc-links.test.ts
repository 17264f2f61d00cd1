/**
 * Every relative link in README.md, deploy/README.md and docs/*.md resolves: the file exists, and a `#anchor` is the
 * GitHub slug of a heading in the target page.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { slug } from '../../src/scripts/reference-docs.js';

const root = path.resolve(import.meta.dirname, '../..');
const pages = [
  'README.md',
  'deploy/README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Markdown outside fenced code blocks (a `#` comment in a shell example is not a heading). */
const prose = (text: string) => text.replace(/^(```|~~~)[\s\S]*?^\1/gm, '');

/** The anchors GitHub makes for a page's headings (a repeated heading gets -1, -2, …). */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading] of prose(text).matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const base = slug(heading!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1'));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

function links(text: string): string[] {
  const found: string[] = [];
  for (const [, target] of prose(text)
    .replace(/`[^`\n]*`/g, '')
    .matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g))
    found.push(target!);
  return found;
}

describe('documentation links', () => {
  it('finds the pages and their links', () => {
    expect(pages).toEqual(expect.arrayContaining(['docs/cli.md', 'docs/configuration.md', 'docs/upgrades.md']));
    expect(links(readFileSync(path.join(root, 'README.md'), 'utf8')).length).toBeGreaterThan(10);
  });

  it('computes GitHub anchors as GitHub does', () => {
    expect([
      ...anchors('# How a run works\n## What `npm install && npm start` and `npm test` do\n## A\n## A\n'),
    ]).toEqual(['how-a-run-works', 'what-npm-install--npm-start-and-npm-test-do', 'a', 'a-1']);
  });

  it.each(pages)('%s: every relative link and anchor resolves', (page) => {
    const text = readFileSync(path.join(root, page), 'utf8');
    const broken: string[] = [];
    for (const link of links(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // http(s):, mailto:
      const [file, anchor] = link.split('#') as [string, string | undefined];
      const target = file
        ? path.resolve(path.dirname(path.join(root, page)), decodeURIComponent(file))
        : path.join(root, page);
      if (!existsSync(target)) {
        broken.push(`${link}: no file ${path.relative(root, target)}`);
        continue;
      }
      if (anchor !== undefined && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(anchor))
        broken.push(`${link}: no heading with anchor #${anchor} in ${path.relative(root, target)}`);
    }
    expect(broken).toEqual([]);
  });
});
