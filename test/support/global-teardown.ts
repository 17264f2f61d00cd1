import type { DevServer } from '../../dist/devserver/dev-server.js';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __devServer?: DevServer }).__devServer?.stop();
}
