import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startDevServer } from '../../src/devserver/dev-server.js';

describe('the real Temporal dev server started by the resolver', () => {
  it('answers the client and has our search attributes registered', async () => {
    const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
    try {
      const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE });
      const response = await client.connection.operatorService.listSearchAttributes({
        namespace: client.options.namespace,
      });
      const custom = Object.keys(response.customAttributes ?? {});
      expect(custom).toEqual(expect.arrayContaining(['ModelArtsDatasetId', 'ModelArtsTaskId', 'ModelArtsTaskStatus']));
    } finally {
      await connection.close();
    }
  });
});

it('runs with an environment of its own, and keeps its database private', async () => {
  const canary = 'CNRYDEVSERVERSECRET0001';
  process.env.MODELARTS_SECRET_KEY = canary;
  const dbFilename = path.join(mkdtempSync(path.join(tmpdir(), 'devserver-')), 'temporal.db');
  const server = await startDevServer({ dbFilename });
  try {
    delete process.env.MODELARTS_SECRET_KEY;
    const environ = readFileSync(`/proc/${server.pid()}/environ`, 'utf8').split('\0');
    expect(environ.filter((entry) => /^(MODELARTS|OS|TEMPORAL)_/.test(entry))).toEqual([]);
    expect(environ.join('\n')).not.toContain(canary);
    expect((statSync(dbFilename).mode & 0o777).toString(8)).toBe('600');
  } finally {
    delete process.env.MODELARTS_SECRET_KEY;
    await server.stop();
  }
}, 90_000);
