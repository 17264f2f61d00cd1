/**
 * Throwaway sealed-mode files for `dev --sealed` and the native stack: a key per tenant and a codec token per
 * tenant, made once (random) and kept beside the data they protect, readable by this user only (0600). They are
 * demo keys: anyone with the data folder has both the ciphertext and its key.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { KEYS_VARIABLE, SEALED_VARIABLE, TOKENS_VARIABLE } from './config.js';

export const DEMO_KEYS_FILE = 'sealed-keys.json';
export const DEMO_TOKENS_FILE = 'codec-tokens.json';

export interface DemoSealedFiles {
  keysFile: string;
  tokensFile: string;
  /** Tenant → codec token (what a person signs in with at the codec server's /login). */
  tokens: Record<string, string>;
  /** MODELARTS_SEALED=true and the two _FILE variables, for every process of the demo. */
  env: Record<string, string>;
}

async function ensurePrivate(file: string, make: () => unknown): Promise<void> {
  // `wx`: never overwrite keys that sealed runs in this folder still need.
  if (!existsSync(file))
    await writeFile(file, `${JSON.stringify(make(), null, 2)}\n`, { mode: 0o600, flag: 'wx' }).catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      },
    );
  await chmod(file, 0o600);
}

/** Makes (first time) and reads the demo keys and tokens in `dir`, for `tenants` (default: `default`). */
export async function ensureDemoSealedFiles(dir: string, tenants: string[] = ['default']): Promise<DemoSealedFiles> {
  const keysFile = path.join(dir, DEMO_KEYS_FILE);
  const tokensFile = path.join(dir, DEMO_TOKENS_FILE);
  await ensurePrivate(keysFile, () =>
    Object.fromEntries(
      tenants.map((t) => [t, { current: 'demo1', keys: { demo1: randomBytes(32).toString('base64') } }]),
    ),
  );
  await ensurePrivate(tokensFile, () =>
    Object.fromEntries(tenants.map((t) => [t, randomBytes(24).toString('base64url')])),
  );
  const tokens = JSON.parse(await readFile(tokensFile, 'utf8')) as Record<string, string>;
  return {
    keysFile,
    tokensFile,
    tokens,
    env: {
      [SEALED_VARIABLE]: 'true',
      [`${KEYS_VARIABLE}_FILE`]: keysFile,
      [`${TOKENS_VARIABLE}_FILE`]: tokensFile,
    },
  };
}
