import type { DevServer } from '../../src/devserver/dev-server.js';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __devServer?: DevServer }).__devServer?.stop();
}
