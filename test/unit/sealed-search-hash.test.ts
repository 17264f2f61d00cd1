/** Keyed hashes of sealed runs' search attributes, and the queries and CLI filter that find them. */
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { run as cli } from '../../src/cli/main.js';
import { datasetClause, listRunsQuery } from '../../src/client/runs.js';
import { StaticKeySource, type TenantKeys } from '../../src/sealed/key-source.js';
import { isSearchHash, searchHash, searchHashKeyId, searchHashV1, searchValues } from '../../src/sealed/search-hash.js';

const a1 = randomBytes(32);
const a2 = randomBytes(32);
const d1 = randomBytes(32);
const source = new StaticKeySource(
  new Map<string, TenantKeys>([
    [
      'team-a',
      {
        current: 'a2',
        keys: new Map([
          ['a1', a1],
          ['a2', a2],
        ]),
      },
    ],
    ['default', { current: 'd1', keys: new Map([['d1', d1]]) }],
  ]),
);
const key = (tenant: string, id: string, bytes: Buffer) => ({ tenant, id, bytes });

describe('searchHash', () => {
  it('is HMAC-SHA256 under an HKDF-derived search key, cut to 128 bits, prefixed with h2 and the key id', () => {
    const value = searchHash(key('team-a', 'a1', a1), 'ModelArtsDatasetId', 'gfghHSokody6AJigS5A');
    const derived = Buffer.from(hkdfSync('sha256', a1, Buffer.from('team-a'), 'modelarts-sealed/search/v1', 32));
    const mac = createHmac('sha256', derived).update('ModelArtsDatasetId\0gfghHSokody6AJigS5A').digest();
    expect(value).toBe(`h2:a1:${mac.subarray(0, 16).toString('base64url')}`);
    expect(value).toHaveLength('h2:a1:'.length + 22);
    expect(value).not.toContain('gfghHSokody6AJigS5A');
    // Not the encryption key used directly.
    const direct = createHmac('sha256', a1).update('ModelArtsDatasetId\0gfghHSokody6AJigS5A').digest();
    expect(value).not.toBe(`h2:a1:${direct.subarray(0, 16).toString('base64url')}`);
    // Earlier builds' form (all 256 bits in hex), which queries still look for.
    expect(searchHashV1(key('team-a', 'a1', a1), 'ModelArtsDatasetId', 'gfghHSokody6AJigS5A')).toBe(
      `h1:a1:${mac.toString('hex')}`,
    );
  });

  it('is stable, and differs by key, tenant and attribute', () => {
    const v = (t: string, id: string, b: Buffer, attr = 'ModelArtsDatasetId') => searchHash(key(t, id, b), attr, 'X1');
    expect(v('team-a', 'a1', a1)).toBe(v('team-a', 'a1', a1));
    const all = [
      v('team-a', 'a1', a1),
      v('team-a', 'a2', a2),
      v('team-b', 'a1', a1),
      v('team-a', 'a1', a1, 'ModelArtsTaskId'),
    ];
    expect(new Set(all.map((s) => s.slice(s.lastIndexOf(':')))).size).toBe(all.length);
  });

  it('names its key id, and tells hashes from clear values', () => {
    const value = searchHash(key('team-a', 'k.2025-06', a1), 'ModelArtsTaskId', 't1');
    expect(isSearchHash(value)).toBe(true);
    expect(searchHashKeyId(value)).toBe('k.2025-06');
    expect(searchHashKeyId(searchHashV1(key('team-a', 'k.2025-06', a1), 'ModelArtsTaskId', 't1'))).toBe('k.2025-06');
    expect(isSearchHash(searchHashV1(key('team-a', 'k1', a1), 'ModelArtsTaskId', 't1'))).toBe(true);
    expect(isSearchHash('gfghHSokody6AJigS5A')).toBe(false);
    expect(searchHashKeyId('gfghHSokody6AJigS5A')).toBeUndefined();
    expect(searchHashKeyId(undefined)).toBeUndefined();
  });
});

describe('queries for sealed runs', () => {
  it('hashes the value with every key held (rotated-out ones too), besides the clear value', () => {
    const values = searchValues(source, 'ModelArtsDatasetId', 'DS1');
    expect(values[0]).toBe('DS1');
    // h2 and h1 (earlier builds) under each key.
    expect(values.slice(1).map(searchHashKeyId).sort()).toEqual(['a1', 'a1', 'a2', 'a2', 'd1', 'd1']);
    expect(values.filter((v) => v.startsWith('h1:'))).toHaveLength(3);
    expect(searchValues(source, 'ModelArtsDatasetId', 'DS1', 'team-a').map(searchHashKeyId)).toEqual([
      undefined,
      'a1',
      'a2',
      'a1',
      'a2',
    ]);
    expect(searchValues(undefined, 'ModelArtsDatasetId', 'DS1')).toEqual(['DS1']);
  });

  it('puts them in one IN clause; without keys the clause is unchanged', () => {
    expect(datasetClause('DS1')).toBe(`ModelArtsDatasetId = 'DS1'`);
    const clause = datasetClause('DS1', source);
    expect(clause).toMatch(
      /^ModelArtsDatasetId IN \('DS1', 'h2:d1:[\w-]{22}', 'h2:a1:[\w-]{22}', 'h2:a2:[\w-]{22}', 'h1:d1:[0-9a-f]{64}', 'h1:a1:[0-9a-f]{64}', 'h1:a2:[0-9a-f]{64}'\)$/,
    );
    expect(listRunsQuery({ datasetId: 'DS1', status: 'running' }, source)).toContain(clause);
  });

  it('list --print-query prints the UI filter with the hashes from the process keys, without connecting', async () => {
    let stdout = '';
    let stderr = '';
    const keys = JSON.stringify({
      'team-a': { current: 'a2', keys: { a1: a1.toString('base64'), a2: a2.toString('base64') } },
    });
    const code = await cli(['list', '--dataset', 'DS1', '--print-query'], {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      // An address nothing listens on: printing the query must not need the server.
      env: { MODELARTS_SEALED: 'true', MODELARTS_SEALED_KEYS: keys, TEMPORAL_ADDRESS: '127.0.0.1:1' },
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const keyA1 = key('team-a', 'a1', a1);
    const keyA2 = key('team-a', 'a2', a2);
    const expected = [searchHash, searchHashV1].flatMap((hash) =>
      [keyA1, keyA2].map((k) => `'${hash(k, 'ModelArtsDatasetId', 'DS1')}'`),
    );
    expect(stdout.trim()).toBe(
      `WorkflowType = 'exportPipeline' AND ModelArtsDatasetId IN ('DS1', ${expected.join(', ')})`,
    );
  });
});
