/**
 * The data converter of every process: worker, CLI, library client (and so schedules, which the client writes).
 * The sealed codec is always installed: sealed, it seals what the process writes; unsealed, it writes clear but
 * still names the key id when it meets a sealed payload it has no key for, instead of "Unknown encoding".
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type DataConverter,
  DefaultFailureConverter,
  defaultFailureConverter,
  defaultPayloadConverter,
  type LoadedDataConverter,
} from '@temporalio/common';
import { SealedCodec } from './codec.js';
import type { SealedSettings } from './config.js';
import type { SealedKeyError } from './errors.js';
import type { KeySource } from './key-source.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ext = path.extname(fileURLToPath(import.meta.url));

/** The module exporting sealed mode's `failureConverter` (the worker and the workflow bundler load it by path). */
export const SEALED_FAILURE_CONVERTER_PATH = path.join(here, `failure-converter${ext}`);

export function sealedCodec(settings: SealedSettings, onKeyError?: (error: SealedKeyError) => void): SealedCodec {
  return new SealedCodec({
    sealed: settings.sealed,
    ...(settings.keys && { keys: settings.keys }),
    ...(onKeyError && { onKeyError }),
  });
}

/** For `Worker.create`: the codec, and in sealed mode the failure converter that moves messages into payloads. */
export function workerDataConverter(
  settings: SealedSettings,
  onKeyError?: (error: SealedKeyError) => void,
): DataConverter {
  return {
    payloadCodecs: [sealedCodec(settings, onKeyError)],
    ...(settings.sealed && { failureConverterPath: SEALED_FAILURE_CONVERTER_PATH }),
  };
}

/**
 * For `new Client(...)`: already loaded (the client accepts a loaded converter as is), so a client in any module
 * system needs no `require` of the failure converter's path.
 */
export function clientDataConverter(settings: SealedSettings): LoadedDataConverter {
  return {
    payloadConverter: defaultPayloadConverter,
    failureConverter: settings.sealed
      ? new DefaultFailureConverter({ encodeCommonAttributes: true })
      : defaultFailureConverter,
    payloadCodecs: [sealedCodec(settings)],
  };
}

/** The keys a client's codec holds (sealed or not: an unsealed client with keys still reads and finds sealed runs). */
export function clientKeys(client: { options: { loadedDataConverter: LoadedDataConverter } }): KeySource | undefined {
  for (const codec of client.options.loadedDataConverter.payloadCodecs)
    if (codec instanceof SealedCodec && codec.options.keys) return codec.options.keys;
  return undefined;
}

/** Whether a client's writes are sealed (the library then starts runs under tenant-prefixed ids). */
export function isSealedClient(client: { options?: { loadedDataConverter?: LoadedDataConverter } }): boolean {
  // (A client made without a data converter, e.g. a test's recording stand-in, is not sealed.)
  return (
    client.options?.loadedDataConverter?.payloadCodecs.some(
      (codec) => codec instanceof SealedCodec && codec.options.sealed,
    ) ?? false
  );
}
