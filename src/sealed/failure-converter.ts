/**
 * Sealed mode's failure converter: failure messages and stack traces go into an encoded payload (so the codec
 * seals them) instead of the failure's clear `message` field. Loaded by path (`failureConverterPath`) because the
 * workflow sandbox gets it from the workflow bundle (src/scripts/build-workflow-bundle.ts builds sealed bundles).
 * Reading needs nothing: the default converter decodes encoded attributes too, so unsealed processes read these.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
