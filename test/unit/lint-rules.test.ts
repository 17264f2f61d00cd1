/** The workflow sandbox rule is enforced by lint, not by memory: check the rule itself rejects what it must. */
import { ESLint } from 'eslint';

// Lint snippets as if they lived in src/workflows, without type information (the rule under test needs none).
const eslint = new ESLint({
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false } },
    rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' },
  },
});

async function problems(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('workflow code lint rule', () => {
  it.each([
    ["import fs from 'node:fs';", 'Node built-ins'],
    ["import { createHash } from 'crypto';", 'Node built-ins'],
    ["import got from 'got';", 'deterministic workflow code'],
    ["import { ModelArtsClient } from '../modelarts/client.js';", 'only through activities'],
  ])('rejects %s in src/workflows', async (line, reason) => {
    const found = await problems(`${line}\nexport const x = 1;\n`, 'src/workflows/probe.ts');
    expect(found.join('\n')).toContain(reason);
  });

  it('allows type-only imports of activity and wire types, and the same imports outside src/workflows', async () => {
    expect(
      await problems(
        "import type { ExportTask } from '../modelarts/types.js';\nexport type X = ExportTask;\n",
        'src/workflows/probe.ts',
      ),
    ).toEqual([]);
    expect(await problems("import fs from 'node:fs';\nexport const x = fs;\n", 'src/activities/probe.ts')).toEqual([]);
  });
});
