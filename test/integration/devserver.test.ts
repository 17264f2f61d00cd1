import { Client, Connection } from '@temporalio/client';

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
