/** Sealed mode's settings: validated at start, each problem naming its variable, tenant and key id, never a key. */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/config-error.js';
import { redactSecrets } from '../../src/modelarts/redact.js';
import { codecTokensFromEnv, sealedSettingsFromEnv } from '../../src/sealed/config.js';
import { configProblems, MODELARTS_ENV } from '../support/worker-config.js';

const b64 = () => randomBytes(32).toString('base64');
const problems = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('MODELARTS_SEALED and MODELARTS_SEALED_KEYS', () => {
  it('is off by default, and on with keys', async () => {
    expect(sealedSettingsFromEnv({})).toEqual({ sealed: false });
    const k = b64();
    const settings = sealedSettingsFromEnv({
      MODELARTS_SEALED: 'true',
      MODELARTS_SEALED_KEYS: JSON.stringify({ 'team-a': { current: 'k1', keys: { k1: k } } }),
    });
    expect(settings.sealed).toBe(true);
    expect((await settings.keys!.current('team-a'))?.bytes.toString('base64')).toBe(k);
    expect(settings.keys!.tenantNames()).toEqual(['team-a']);
  });

  it('refuses sealed mode without keys, and a bad flag', () => {
    expect(problems(() => sealedSettingsFromEnv({ MODELARTS_SEALED: 'true' }))).toEqual([
      expect.stringMatching(
        /^MODELARTS_SEALED=true needs keys: set MODELARTS_SEALED_KEYS or MODELARTS_SEALED_KEYS_FILE/,
      ),
    ]);
    expect(problems(() => sealedSettingsFromEnv({ MODELARTS_SEALED: 'yes' }))).toEqual([
      'MODELARTS_SEALED must be true or false (or 1 / 0); got "yes"',
    ]);
  });

  it('names the tenant and key id of each bad key, never its value', () => {
    const short = randomBytes(16).toString('base64');
    const found = problems(() =>
      sealedSettingsFromEnv({
        MODELARTS_SEALED_KEYS: JSON.stringify({
          'team-a': { current: 'k9', keys: { k1: short } },
          'bad tenant': { current: 'k1', keys: { k1: b64() } },
          'team-b': { current: 'k1', keys: { k1: 'not base64!' } },
        }),
      }),
    );
    expect(found).toEqual([
      'MODELARTS_SEALED_KEYS: tenant "team-a": key "k1" must be 32 random bytes in base64 (44 characters); got 16 bytes',
      'MODELARTS_SEALED_KEYS: tenant "team-a": "current" must name one of its keys ("k1")',
      'MODELARTS_SEALED_KEYS: tenant "bad tenant": a tenant must be 1-64 letters, digits or . _ : / - (starting with a letter or digit)',
      'MODELARTS_SEALED_KEYS: tenant "team-b": key "k1" must be base64 (A-Z a-z 0-9 + / =)',
    ]);
    expect(found.join('\n')).not.toContain(short);
  });

  it('refuses text that is not a JSON object without showing it', () => {
    expect(problems(() => sealedSettingsFromEnv({ MODELARTS_SEALED_KEYS: 'secret-ish {' }))).toEqual([
      'MODELARTS_SEALED_KEYS must be JSON (its content is not shown: it holds secrets)',
    ]);
    expect(problems(() => sealedSettingsFromEnv({ MODELARTS_SEALED_KEYS: '[]' }))).toEqual([
      'MODELARTS_SEALED_KEYS must be a JSON object keyed by tenant',
    ]);
  });

  it('registers keys as secrets, so logs never show them', () => {
    const k = b64();
    sealedSettingsFromEnv({ MODELARTS_SEALED_KEYS: JSON.stringify({ default: { current: 'k1', keys: { k1: k } } }) });
    expect(redactSecrets(`oops ${k} leaked`)).not.toContain(k);
  });

  describe('from a file', () => {
    let dir: string;
    beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'sealed-keys-'))));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reads a 0600 file and refuses one others can read', () => {
      const file = path.join(dir, 'keys.json');
      writeFileSync(file, JSON.stringify({ default: { current: 'k1', keys: { k1: b64() } } }) + '\n', { mode: 0o600 });
      expect(sealedSettingsFromEnv({ MODELARTS_SEALED: 'true', MODELARTS_SEALED_KEYS_FILE: file }).sealed).toBe(true);
      chmodSync(file, 0o644);
      expect(problems(() => sealedSettingsFromEnv({ MODELARTS_SEALED_KEYS_FILE: file }))).toEqual([
        `MODELARTS_SEALED_KEYS_FILE: ${file} is readable by others (mode 644); chmod 600 it`,
      ]);
    });
  });

  it('stops the worker at start, with the other problems', () => {
    expect(configProblems({ ...MODELARTS_ENV, MODELARTS_SEALED: 'true' })).toEqual([
      expect.stringMatching(/^MODELARTS_SEALED=true needs keys/),
    ]);
  });
});

describe('MODELARTS_CODEC_TOKENS', () => {
  it('maps each token to its tenant, and refuses short, shared or missing tokens', () => {
    const a = 'a'.repeat(30);
    expect([...codecTokensFromEnv({ MODELARTS_CODEC_TOKENS: JSON.stringify({ 'team-a': a }) })]).toEqual([
      [a, 'team-a'],
    ]);
    expect(problems(() => codecTokensFromEnv({}))).toEqual([
      expect.stringMatching(/^MODELARTS_CODEC_TOKENS \(or MODELARTS_CODEC_TOKENS_FILE\) is needed/),
    ]);
    expect(
      problems(() => codecTokensFromEnv({ MODELARTS_CODEC_TOKENS: JSON.stringify({ x: 'short', y: a, z: a }) })),
    ).toEqual([
      'MODELARTS_CODEC_TOKENS: tenant "x": the token must be a string of at least 24 characters',
      'MODELARTS_CODEC_TOKENS: tenant "z": the same token is given to two tenants',
    ]);
  });
});
