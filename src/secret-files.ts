/**
 * `NAME_FILE` for each secret variable: the value is read from that file, as container platforms mount secrets
 * (Docker and Kubernetes secrets), so it never sits in the process environment or `docker inspect`.
 */
import { readFileSync, statSync } from 'node:fs';

type Env = Record<string, string | undefined>;

/**
 * `env` with each `NAME_FILE` of `names` read into `NAME`; problems name the variable, never the value.
 * `ownerOnly`: a file others can read is refused (keys that decrypt everything).
 */
export function withSecretFiles(
  env: Env,
  names: readonly string[],
  options: { ownerOnly?: boolean } = {},
): { env: Env; problems: string[] } {
  const out: Env = { ...env };
  const problems: string[] = [];
  for (const name of names) {
    const file = env[`${name}_FILE`]?.trim();
    if (!file) continue;
    if (env[name]?.trim()) {
      problems.push(`${name}, ${name}_FILE: set one of them, not both`);
      continue;
    }
    try {
      const mode = options.ownerOnly ? statSync(file).mode & 0o777 : 0;
      if (mode & 0o077) {
        problems.push(`${name}_FILE: ${file} is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
        continue;
      }
      // One trailing newline is the file's, not the secret's (echo > file).
      const value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      if (!value.trim()) problems.push(`${name}_FILE: ${file} is empty`);
      else out[name] = value;
    } catch (err) {
      problems.push(`${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return { env: out, problems };
}
