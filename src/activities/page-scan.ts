/**
 * The reattach scan every create-or-reattach activity makes: a dataset's list (tasks, imports, versions), newest
 * first, read page by page until what is sought is found, the list ends, or `pages` pages were read (a run's own
 * task is among the newest unless hundreds were created since). ModelArts' `offset` is a page index here.
 */

export interface PageScan {
  /** How many pages to read at most. */
  pages: number;
  pageSize: number;
}

/** Five pages of 100: the task lists' scan. */
export const TASK_SCAN: PageScan = { pages: 5, pageSize: 100 };

/**
 * Reads pages with `read` and hands each to `onPage`, until `onPage` says it is done (true), a page is empty or
 * the last one (by `total`), or `scan.pages` were read.
 */
export async function scanPages<T>(
  scan: PageScan,
  read: (page: { limit: number; offset: number }) => Promise<{ items: T[]; total: number }>,
  onPage: (items: T[]) => boolean,
): Promise<void> {
  for (let page = 0; page < scan.pages; page++) {
    const { items, total } = await read({ limit: scan.pageSize, offset: page });
    if (onPage(items)) return;
    if ((page + 1) * scan.pageSize >= total || items.length === 0) return;
  }
}

/** The first item `match` accepts, scanning as `scanPages`. */
export async function findInPages<T>(
  scan: PageScan,
  read: (page: { limit: number; offset: number }) => Promise<{ items: T[]; total: number }>,
  match: (item: T) => boolean,
): Promise<T | undefined> {
  let found: T | undefined;
  await scanPages(scan, read, (items) => {
    found = items.find(match);
    return found !== undefined;
  });
  return found;
}

/** `s3://b/d`, `obs://b/d/` and `/b/d/` name the same place (the service echoes s3:// back as obs://). */
export const normaliseObsPath = (path: string | undefined) =>
  (path ?? '').replace(/^(obs|s3):\/\//, '/').replace(/\/?$/, '/');
