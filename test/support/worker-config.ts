/** Worker configuration in unit tests: a valid ModelArts environment, and the problems a configuration reports. */
import { ConfigError } from '../../src/config-error.js';
import { workerConfigFromEnv } from '../../src/config.js';

export const MODELARTS_ENV = {
  MODELARTS_ENDPOINT: 'https://modelarts.eu-de.otc.t-systems.com',
  MODELARTS_PROJECT_ID: 'p1',
  MODELARTS_AUTH_TOKEN: 'token-value',
};

/** What workerConfigFromEnv rejects in `env` (nothing: []). */
export function configProblems(env: Record<string, string>): string[] {
  try {
    workerConfigFromEnv(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
