/**
 * Headless Chromium for the Web UI test: Debian's `chromium` (never a browser that Playwright downloads), a fresh
 * profile in a temp folder, and flags that keep it quiet on a machine without internet.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface UiBrowser {
  context: BrowserContext;
  close: () => Promise<void>;
}

/** Throws (never skips) when Chromium is missing, saying how to install it. */
export function assertChromiumInstalled(): void {
  if (existsSync(CHROMIUM_PATH)) return;
  const reason =
    `Chromium not found at ${CHROMIUM_PATH}: the Web UI test needs a real headless browser. ` +
    'Install it with `sudo apt-get install chromium` (CI does), or point CHROMIUM_PATH at a Chromium binary.';
  console.error(reason);
  throw new Error(reason);
}

/**
 * Launches Chromium with a fresh user-data-dir. Requests that leave `allowedOrigin` (the UI's news feed, fonts,
 * docs) are aborted at once, so the page never waits on DNS for hosts it cannot reach; `alsoAllowed` adds origins
 * the page may reach too (a codec server).
 */
export async function launchUiBrowser(allowedOrigin: string, ...alsoAllowed: string[]): Promise<UiBrowser> {
  const allowed = new Set([allowedOrigin, ...alsoAllowed]);
  assertChromiumInstalled();
  const profile = mkdtempSync(path.join(tmpdir(), 'ui-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    viewport: { width: 1440, height: 1100 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  await context.route(
    (url) => !allowed.has(url.origin),
    (route) => route.abort('blockedbyclient'),
  );
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
