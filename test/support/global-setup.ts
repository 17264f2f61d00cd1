/** Starts one real Temporal dev server for the whole integration suite. */
// Global setup runs outside Jest's module mapping, so it loads the build that `npm test` makes first.
import { startDevServer } from '../../dist/devserver/dev-server.js';

export default async function globalSetup(): Promise<void> {
  const server = await startDevServer({
    // Small thresholds so continue-as-new paths are exercised by the tests.
    dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 60 },
    log: (m) => console.error(`[dev-server] ${m}`),
  });
  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.TEMPORAL_NAMESPACE = server.namespace;
  (globalThis as { __devServer?: typeof server }).__devServer = server;
}
