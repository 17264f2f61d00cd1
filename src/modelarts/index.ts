/** The ModelArts client layer: wire types, validation, auth, errors and the REST client. No Temporal imports. */
export * from './types.js';
export * from './friendly.js';
export * from './errors.js';
export * from './refusals.js';
export * from './validation.js';
export * from './redact.js';
export * from './auth.js';
export * from './client.js';
export { modelArtsOptionsFromEnv, ENV_VARIABLES, MODELARTS_ENV_TABLE } from './env.js';
