/** Starts one real Temporal dev server for the whole integration suite. */
import type * as DevServerModule from '../../src/devserver/dev-server.js';

// Global setup runs outside Jest's module mapping, so it loads the build that `npm test` makes first
// (a path in a variable, so that type checking a fresh clone does not need the build).
const built = '../../dist/devserver/dev-server.js';

export default async function globalSetup(): Promise<void> {
  const { startDevServer } = (await import(built)) as typeof DevServerModule;
  const server = await startDevServer({
    // Small thresholds so continue-as-new paths are exercised by the tests.
    dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 60 },
    log: (m) => console.error(`[dev-server] ${m}`),
  });
  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.TEMPORAL_NAMESPACE = server.namespace;
  (globalThis as { __devServer?: typeof server }).__devServer = server;
}
