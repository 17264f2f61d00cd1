/** `dev --sealed` and the sealed native stack: demo keys and codec tokens made once, private, valid settings. */
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { codecTokensFromEnv, sealedSettingsFromEnv } from '../../src/sealed/config.js';
import { ensureDemoSealedFiles } from '../../src/sealed/demo-files.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sealed-demo-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('makes a key and a token for the default tenant, 0600, that the sealed settings accept', async () => {
  const files = await ensureDemoSealedFiles(dir);
  for (const file of [files.keysFile, files.tokensFile]) expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
  expect(files.env).toEqual({
    MODELARTS_SEALED: 'true',
    MODELARTS_SEALED_KEYS_FILE: files.keysFile,
    MODELARTS_CODEC_TOKENS_FILE: files.tokensFile,
  });
  const settings = sealedSettingsFromEnv(files.env);
  expect(settings.sealed).toBe(true);
  expect(await settings.keys!.current('default')).toBeDefined();
  const tokens = codecTokensFromEnv(files.env);
  expect([...tokens.values()]).toEqual(['default']);
  expect(tokens.get(files.tokens.default!)).toBe('default');
});

it('keeps the keys of an earlier start (sealed runs still need them), and narrows a loosened mode', async () => {
  const first = await ensureDemoSealedFiles(dir);
  const keys = readFileSync(first.keysFile, 'utf8');
  chmodSync(first.keysFile, 0o644);
  const second = await ensureDemoSealedFiles(dir);
  expect(readFileSync(second.keysFile, 'utf8')).toBe(keys);
  expect(second.tokens).toEqual(first.tokens);
  expect((statSync(second.keysFile).mode & 0o777).toString(8)).toBe('600');
});
