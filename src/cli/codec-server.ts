/**
 * `codec-server --listen HOST:PORT [--cors-origin URL]`: Temporal's codec server for sealed runs (src/sealed/
 * codec-server.ts), for the Temporal UI ("Codec Server endpoint") and `temporal workflow show --codec-endpoint`.
 * Needs no Temporal connection: only the keys (MODELARTS_SEALED_KEYS) and the callers' tokens (MODELARTS_CODEC_TOKENS).
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { ALLOW_CLEARTEXT_VARIABLE, cleartextAllowed, isLoopbackHost } from '../loopback.js';
import { codecTokensFromEnv, sealedSettingsFromEnv } from '../sealed/config.js';
import { startCodecServer } from '../sealed/codec-server.js';
import { UsageError, writeLine, type CliContext } from './context.js';
import { parseListen } from './overdue.js';

export const DEFAULT_CODEC_LISTEN = '127.0.0.1:8888';

/** An origin: scheme, host and port, nothing after (the browser's Origin header is compared to it exactly). */
export function parseOrigin(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (
    !url ||
    !['http:', 'https:'].includes(url.protocol) ||
    (url.pathname !== '/' && url.pathname !== '') ||
    url.search
  )
    throw new InvalidArgumentError(`must be the UI's origin, e.g. http://127.0.0.1:8233 (no path); got "${value}"`);
  return url.origin;
}

interface CodecServerFlags {
  listen: { host: string; port: number };
  corsOrigin?: string;
}

export function registerCodecServer(program: Command, ctx: CliContext): void {
  program
    .command('codec-server')
    .description("Decode sealed runs for the Temporal UI and CLI (Temporal's codec server protocol), per tenant")
    .addOption(
      new Option('--listen <host:port>', 'address to serve /encode and /decode on')
        .argParser(parseListen)
        .default(parseListen(DEFAULT_CODEC_LISTEN), DEFAULT_CODEC_LISTEN),
    )
    .addOption(
      new Option('--cors-origin <url>', "the Temporal UI's origin, allowed to call from the browser").argParser(
        parseOrigin,
      ),
    )
    .addHelpText(
      'after',
      `
Reads MODELARTS_SEALED_KEYS (or _FILE) and MODELARTS_CODEC_TOKENS (or _FILE): a bearer token per tenant, each
decoding only its own tenant's payloads. Without keys it answers 403; without a valid token, 401. See docs/sealed.md.

Examples:
  $ modelarts-export codec-server --listen 127.0.0.1:8888 --cors-origin http://127.0.0.1:8233
  $ temporal workflow show -w team-a~nightly --codec-endpoint http://127.0.0.1:8888 --codec-auth "Bearer $TOKEN"`,
    )
    .action(async (options: CodecServerFlags) => {
      // Decoded payloads are the secrets themselves: beyond this machine only behind TLS (a proxy in front).
      if (!isLoopbackHost(options.listen.host) && !cleartextAllowed(ctx.env))
        throw new UsageError(
          `--listen ${options.listen.host}: decoded payloads would travel without TLS; listen on 127.0.0.1 behind a ` +
            `TLS proxy, or set ${ALLOW_CLEARTEXT_VARIABLE}=true to accept it`,
          'codec-server',
        );
      const tokens = codecTokensFromEnv(ctx.env);
      const { keys } = sealedSettingsFromEnv(ctx.env);
      const server = await startCodecServer({
        host: options.listen.host,
        port: options.listen.port,
        tokens,
        ...(keys && { keys }),
        ...(options.corsOrigin && { corsOrigin: options.corsOrigin }),
      });
      writeLine(
        ctx.stdout,
        `codec server on ${server.url} (${tokens.size} tenant token${tokens.size === 1 ? '' : 's'}` +
          `${keys ? '' : '; no keys: every request answers 403'}${options.corsOrigin ? `; CORS for ${options.corsOrigin}` : ''})`,
      );
      await ctx.waitForStop();
      await server.close();
    });
}
