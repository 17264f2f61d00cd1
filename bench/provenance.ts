/**
 * Where a part's figures came from, in one line: the commit they were measured at, the date and the command. Shared
 * by the tables (`renderMarkdown`) and `--compare`; older results that recorded no commit say "commit unknown".
 */

/** What a results file records about one part's measurement (the part's own fields, else the file's). */
export interface PartMeta {
  machine?: { commit?: string; dirty?: boolean };
  command?: string;
  /** When the part finished; timestamped files also have the run's startedAt. */
  measuredAt?: string;
}

/** `2026-11-23T02:08:32.065Z` → `2026-11-23 02:08 UTC`; anything else as given. */
export function fmtDate(iso: string | undefined): string {
  if (!iso) return 'an unknown date';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

/** "measured at `abc1234` on 2026-11-23 02:08 UTC, `npm run bench -- --only scale`" (dirty trees say so). */
export function provenance(meta: PartMeta): string {
  const commit = meta.machine?.commit;
  const command = `\`${meta.command ?? 'npm run bench'}\``;
  if (!commit) return `measured on ${fmtDate(meta.measuredAt)} (commit unknown), ${command}`;
  const dirty = meta.machine?.dirty ? ' with uncommitted changes' : '';
  return `measured at \`${commit}\`${dirty} on ${fmtDate(meta.measuredAt)}, ${command}`;
}

/** A part's meta: its own fields in a merged latest.json, the file's in a timestamped one. */
export function partMeta(doc: Record<string, unknown>, part: string): PartMeta {
  const own = (doc[part] ?? {}) as PartMeta;
  const file = doc as PartMeta & { startedAt?: string; finishedAt?: string };
  const measuredAt = own.measuredAt ?? file.finishedAt ?? file.startedAt;
  const machine = own.machine ?? file.machine;
  const command = own.command ?? file.command;
  return { ...(machine && { machine }), ...(command && { command }), ...(measuredAt && { measuredAt }) };
}
