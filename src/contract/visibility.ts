/**
 * Names that the client, the workflows and the schedule-history activity all use to find runs in Temporal's
 * visibility store. A plain module, so an activity reads them without importing the client library.
 */

/** The workflow type of a run, as the worker registers it (src/client/runs.ts checks it against the workflows). */
export const EXPORT_PIPELINE_TYPE = 'exportPipeline';

/** The search attribute Temporal sets on runs a Schedule starts (Keyword: the schedule id). */
export const SCHEDULED_BY_ID = 'TemporalScheduledById';

/** A string literal for a visibility query. */
export const queryString = (value: string): string => `'${value.replace(/'/g, "\\'")}'`;
