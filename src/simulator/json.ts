/**
 * JSON output the way the Java service writes it: Float fields keep their decimal point (`"progress":100.0`,
 * `"train_sample_ratio":1.0`), which `JSON.stringify` would print as `100` and `1`.
 */

/** Fields the docs type as Float / echo as a decimal number. */
const FLOAT_KEYS = new Set(['progress', 'train_sample_ratio']);
// A private-use character never escaped by JSON.stringify and never present in real data.
const MARK = '\uE000';
const MARKED = new RegExp(`"${MARK}([^"${MARK}]*)${MARK}"`, 'g');

function floatLiteral(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

export function stringify(body: unknown): string {
  const json = JSON.stringify(body, (key, value: unknown) =>
    FLOAT_KEYS.has(key) && typeof value === 'number' && Number.isFinite(value)
      ? `${MARK}${floatLiteral(value)}${MARK}`
      : value,
  );
  return json.replace(MARKED, '$1');
}
