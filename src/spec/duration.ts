/** Durations as people write them: `500ms`, `30s`, `90m`, `6h`, `2d`, or a bare number of milliseconds. */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]) * UNITS[m[2] ?? 'ms']!;
  return value > 0 ? Math.round(value) : undefined;
}
