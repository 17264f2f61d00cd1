/** The CLI in-process (`run(argv, io)`), pointed at a Temporal address where nothing listens. */
import { run } from '../../src/cli/main.js';

// Nothing listens here: a command that tried to connect would say "cannot reach Temporal".
const env = { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_NAMESPACE: 'default' };

export async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env,
  });
  return { code, stdout, stderr };
}

/** Runs a command that must be rejected as a usage error (exit 2) before contacting Temporal; returns stderr. */
export async function rejected(...argv: string[]): Promise<string> {
  const r = await cli(...argv);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toMatch(/cannot reach Temporal/);
  return r.stderr;
}
