/**
 * Bad configuration (environment, flags of the worker): every problem at once, each starting with the variable it
 * is about. Used for ModelArts and Temporal settings alike, so it belongs to neither.
 */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
