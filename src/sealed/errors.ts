/**
 * Why a sealed payload could not be read or written. The message names the key id, the tenant and the run (never
 * a key or any payload content), so the failed workflow task says what to configure; the run itself waits, and
 * resumes once a worker with the key takes its task.
 */
export type SealedKeyProblem = 'missing-key' | 'not-sealed' | 'tampered';

export class SealedKeyError extends Error {
  constructor(
    readonly problem: SealedKeyProblem,
    readonly tenant: string,
    readonly keyId: string | undefined,
    readonly workflowId: string | undefined,
  ) {
    super(sealedKeyMessage(problem, tenant, keyId, workflowId));
    this.name = 'SealedKeyError';
  }
}

function sealedKeyMessage(problem: SealedKeyProblem, tenant: string, keyId?: string, workflowId?: string): string {
  const run = workflowId ? ` of run ${workflowId}` : '';
  const key = keyId ? `key "${keyId}" of tenant "${tenant}"` : `current key for tenant "${tenant}"`;
  switch (problem) {
    case 'missing-key':
      return (
        `sealed payload${run}: this process has no ${key}; add it to MODELARTS_SEALED_KEYS ` +
        '(the run waits and resumes on a worker that has it)'
      );
    case 'not-sealed':
      return (
        `sealed payload${run} (${key}): this process is not configured for sealed mode; set ` +
        'MODELARTS_SEALED_KEYS (and MODELARTS_SEALED=true) with that key (the run waits and resumes on a sealed worker)'
      );
    case 'tampered':
      return `sealed payload${run} (${key}) failed authentication: it was altered, or the key with that id is not the one that wrote it`;
  }
}
