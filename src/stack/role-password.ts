/**
 * The password of the stack's PostgreSQL role: random, made at the first `stack up`, kept 0600 in the stack's
 * folder and reused afterwards. It never goes on a command line: the server and the schema job get it in their
 * environment, and PostgreSQL only ever sees its SCRAM verifier (through psql's stdin).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { chmod, lstat, readFile, writeFile } from 'node:fs/promises';

/** Reads the password in `file`, creating it on first use; refuses a file that is not the stack's own. */
export async function stackRolePassword(file: string): Promise<string> {
  try {
    await writeFile(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const stat = await lstat(file);
  if (!stat.isFile() || stat.uid !== process.getuid?.()) {
    throw new Error(`${file} is not a regular file of this user: refusing to use it as the PostgreSQL password`);
  }
  // A file left by hand with a looser mode: the stack's folder is private anyway, but keep the promise.
  if ((stat.mode & 0o777) !== 0o600) await chmod(file, 0o600);
  const password = (await readFile(file, 'utf8')).trim();
  if (password.length < 16) throw new Error(`${file} holds no usable password (delete it to get a new one)`);
  return password;
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677, PostgreSQL's text form). Giving the
 * server the verifier instead of the password keeps the password out of its logs even when a statement fails.
 * Our passwords are ASCII, so SASLprep leaves them unchanged.
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  const b64 = (b: Buffer) => b.toString('base64');
  return `SCRAM-SHA-256$${iterations}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`;
}
