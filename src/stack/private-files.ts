/**
 * The stack's folders and files are private to the user who runs it: folders 0700, files (logs, stack.json, the
 * role password) 0600, whatever the umask. Modes are set explicitly, so files left by an older version are
 * tightened too.
 */
import { chmod, chown, lstat, mkdir, writeFile } from 'node:fs/promises';

/**
 * Creates `dir` (0700) or checks that the existing one is a real folder of ours, and makes it 0700. With
 * `traverseGid`, that group may pass through it (0710): the `postgres` user reaching its cluster folder inside.
 */
export async function privateDir(dir: string, traverseGid?: number): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stat = await lstat(dir);
  if (!stat.isDirectory() || stat.uid !== process.getuid?.()) {
    throw new Error(`${dir} is not a directory of this user (a symbolic link, or another user's): refusing to use it`);
  }
  if (traverseGid !== undefined) await chown(dir, stat.uid, traverseGid);
  await chmod(dir, traverseGid === undefined ? 0o700 : 0o710);
}

/** Writes (or with `append`, appends to) a file only its owner can read. */
export async function writePrivateFile(file: string, text: string, append = false): Promise<void> {
  await writeFile(file, text, { mode: 0o600, flag: append ? 'a' : 'w' });
  await chmod(file, 0o600);
}
