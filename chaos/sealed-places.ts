/**
 * The places outside the Temporal API that the sealed canary reads (issue #22): the server's SQLite files, the
 * spans the workers export, the Prometheus metrics of the workers and the exporter, and the workers' logs. Each is
 * searched for families of values (every dataset id, OBS path, dataset name and error_msg of the canary's runs
 * share a recognisable shape), so a 300 MB database file is read once per family, not once per run.
 */
import { spawn } from 'node:child_process';
import { open, readdir, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { cliEntry, projectRoot } from '../local/paths.js';

/** One kind of secret of one pass: its name and the pattern every value of that kind matches. */
export interface Family {
  kind: string;
  pattern: RegExp;
}

/** The kinds of identifying values a run of `prefix` (`sealed` or `clear`) carries; see `canaryValues`. */
export function families(prefix: 'sealed' | 'clear'): Family[] {
  const Cap = prefix === 'sealed' ? 'Sealed' : 'Clear';
  return [
    { kind: 'dataset id', pattern: new RegExp(`${Cap}CanaryDs\\d+Q7`, 'gi') },
    { kind: 'OBS path', pattern: new RegExp(`${prefix}-canary-bucket-\\d+`, 'gi') },
    { kind: 'dataset name', pattern: new RegExp(`${prefix}-canary-name-\\d+`, 'gi') },
    { kind: 'error_msg', pattern: new RegExp(`${prefix}-canary-errmsg-\\d+`, 'gi') },
  ];
}

/** The identifying values of run `i` of a pass: every one matches its kind's family. */
export function canaryValues(prefix: 'sealed' | 'clear', i: number) {
  const Cap = prefix === 'sealed' ? 'Sealed' : 'Clear';
  return {
    datasetId: `${Cap}CanaryDs${i}Q7`,
    obsPath: `/${prefix}-canary-bucket-${i}/customer-${i}/out/`,
    name: `${prefix}-canary-name-${i}-q7`,
    errorMsg: `${prefix}-canary-errmsg-${i}: OBS bucket ${prefix}-canary-bucket-${i} refused the write`,
  };
}

export const countIn = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

/** Occurrences of each family in `text`, by kind. */
export function countFamilies(text: string, fams: Family[]): Map<string, number> {
  return new Map(fams.map((f) => [f.kind, countIn(text, f.pattern)]));
}

/** The longest value a family matches, with room: chunks of a file overlap by this much. */
const OVERLAP = 256;
const CHUNK = 16 * 1024 * 1024;

/**
 * Reads a file in chunks as latin1 (bytes as they are: text in a SQLite page or a protobuf blob stays findable)
 * and counts each family; a match across two chunks is counted once, in the chunk where it starts.
 */
export async function scanFile(file: string, fams: Family[]): Promise<{ bytes: number; counts: Map<string, number> }> {
  const counts = new Map(fams.map((f) => [f.kind, 0]));
  const handle = await open(file, 'r');
  let bytes = 0;
  try {
    const buffer = Buffer.alloc(CHUNK + OVERLAP);
    for (let at = 0; ; at += CHUNK) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK + OVERLAP, at);
      if (bytesRead === 0) break;
      const own = Math.min(CHUNK, bytesRead);
      bytes += own;
      const text = buffer.toString('latin1', 0, bytesRead);
      for (const f of fams) {
        const re = new RegExp(f.pattern.source, f.pattern.flags);
        for (let m = re.exec(text); m; m = re.exec(text))
          if (m.index < own) counts.set(f.kind, counts.get(f.kind)! + 1);
      }
      if (bytesRead <= CHUNK) break;
    }
  } finally {
    await handle.close();
  }
  return { bytes, counts };
}

/** The dev server's database file and its journals (`-wal`, `-shm`, `-journal`), with their sizes. */
export async function databaseFiles(dbFile: string): Promise<{ file: string; bytes: number }[]> {
  const dir = path.dirname(dbFile);
  const base = path.basename(dbFile);
  const names = (await readdir(dir)).filter((n) => n === base || n.startsWith(`${base}-`));
  return Promise.all(
    names.sort().map(async (n) => ({ file: path.join(dir, n), bytes: (await stat(path.join(dir, n))).size })),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Spans: an OTLP/HTTP receiver (JSON bodies, what src/tracing/ sends)
// ---------------------------------------------------------------------------------------------------------------

export interface OtlpReceiver {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint: string;
  /** Every request body received, as text. */
  bodies: string[];
  /** Spans and attribute values (span, event, link and resource attributes) in the bodies. */
  tally(): { spans: number; attributes: number; attributeText: string };
  close(): Promise<void>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: unknown;
  boolValue?: boolean;
  doubleValue?: number;
  arrayValue?: { values?: OtlpValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
  bytesValue?: string;
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpValue;
}

function valueText(v: OtlpValue | undefined): string[] {
  if (!v) return [];
  if (v.arrayValue) return (v.arrayValue.values ?? []).flatMap(valueText);
  if (v.kvlistValue) return (v.kvlistValue.values ?? []).flatMap((kv) => [kv.key, ...valueText(kv.value)]);
  if (v.bytesValue !== undefined) return [Buffer.from(v.bytesValue, 'base64').toString('latin1')];
  return [String(v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue ?? '')];
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      bodies.push(body.toString('latin1'));
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bodies,
    tally: () => {
      let spans = 0;
      const values: string[] = [];
      for (const body of bodies) {
        const parsed = JSON.parse(body) as {
          resourceSpans?: {
            resource?: { attributes?: OtlpKeyValue[] };
            scopeSpans?: {
              spans?: {
                name?: string;
                attributes?: OtlpKeyValue[];
                events?: { name?: string; attributes?: OtlpKeyValue[] }[];
                links?: { attributes?: OtlpKeyValue[] }[];
                status?: { message?: string };
              }[];
            }[];
          }[];
        };
        for (const rs of parsed.resourceSpans ?? []) {
          for (const kv of rs.resource?.attributes ?? []) values.push(...valueText(kv.value));
          for (const ss of rs.scopeSpans ?? [])
            for (const span of ss.spans ?? []) {
              spans++;
              values.push(span.name ?? '', span.status?.message ?? '');
              for (const kv of span.attributes ?? []) values.push(...valueText(kv.value));
              for (const e of span.events ?? []) {
                values.push(e.name ?? '');
                for (const kv of e.attributes ?? []) values.push(...valueText(kv.value));
              }
              for (const l of span.links ?? [])
                for (const kv of l.attributes ?? []) values.push(...valueText(kv.value));
            }
        }
      }
      return { spans, attributes: values.length, attributeText: values.join('\n') };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Metrics: Prometheus text, label values
// ---------------------------------------------------------------------------------------------------------------

/** Every label value of a Prometheus text exposition, unescaped. */
export function labelValues(exposition: string): string[] {
  const out: string[] = [];
  for (const line of exposition.split('\n')) {
    if (line.startsWith('#')) continue;
    const open = line.indexOf('{');
    if (open < 0) continue;
    const labels = line.slice(open + 1, line.lastIndexOf('}'));
    for (const m of labels.matchAll(/[A-Za-z_][A-Za-z0-9_]*="((?:[^"\\]|\\.)*)"/g))
      out.push(m[1]!.replace(/\\(.)/g, (_all, c: string) => (c === 'n' ? '\n' : c)));
  }
  return out;
}

/** GET /metrics; undefined when nothing answers. */
export async function scrape(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}

/** `modelarts-export exporter` as a child process; resolves once it serves. Stopped by its PID. */
export async function startExporterProcess(
  env: Record<string, string>,
  listen: string,
  taskQueues: string[],
): Promise<{ url: string; output: () => string; stop: () => Promise<void> }> {
  const args = [
    cliEntry,
    'exporter',
    '--listen',
    listen,
    '--every',
    '1s',
    ...taskQueues.flatMap((q) => ['--task-queue', q]),
  ];
  const child = spawn(process.execPath, args, {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(force);
  };
  const deadline = Date.now() + 30_000;
  while (!out.includes('exporter serving')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the exporter did not start: ${out.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `http://${listen}/metrics`, output: () => out, stop };
}
