/**
 * `sealed keys-in-use [--json]`: the sealed keys open runs still need (src/sealed/keys-in-use.ts). Retire a key
 * (drop it from MODELARTS_SEALED_KEYS) only once it is no longer listed. Needs no keys itself: it reads metadata.
 */
import type { Command } from 'commander';
import { keysInUse } from '../sealed/keys-in-use.js';
import { withClient, writeLine, type CliContext } from './context.js';
import { json } from './format.js';

export function registerSealed(program: Command, ctx: CliContext): void {
  const sealed = program.command('sealed').description('Sealed mode: keys and key rotation (docs/sealed.md)');
  sealed
    .command('keys-in-use')
    .description('List the keys (tenant and key id) that open runs still need; a key not listed can be retired')
    .option('--json', 'print them as JSON')
    .action(async (_options: { json?: boolean }, command: Command) => {
      const flags = command.opts<{ json?: boolean }>();
      await withClient(ctx, async ({ client }) => {
        const keys = await keysInUse(client);
        if (flags.json) return writeLine(ctx.stdout, json(keys));
        if (keys.length === 0) return writeLine(ctx.stdout, 'No open run needs a sealed key.');
        for (const k of keys)
          writeLine(
            ctx.stdout,
            `${k.tenant}  ${k.keyId}  ${k.openRuns} open run(s) (${k.uses.join(', ')}), e.g. ${k.examples.join(', ')}`,
          );
      });
    });
}
