/**
 * docker-compose.yml as the native stack reads it: each service's image version (which binaries to build) and its
 * environment, interpolated the way compose does. Reading the file instead of restating it keeps the two
 * deployments one: a test of the native stack is a test of these values.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { projectRoot } from '../devserver/resolve-cli.js';

export const COMPOSE_FILE = path.join(projectRoot, 'docker-compose.yml');

type Vars = Record<string, string | undefined>;
type EnvValue = string | number | boolean | null;

interface ComposeService {
  image?: string;
  environment?: Record<string, EnvValue> | string[];
}

export class ComposeFile {
  private readonly services: Record<string, ComposeService>;

  constructor(readonly file = COMPOSE_FILE) {
    const doc = parse(readFileSync(file, 'utf8')) as { services?: Record<string, ComposeService> };
    this.services = doc.services ?? {};
  }

  private service(name: string): ComposeService {
    const service = this.services[name];
    if (!service) throw new Error(`${this.file} has no service "${name}"`);
    return service;
  }

  /** The tag compose pulls for `name` when the shell sets none of its variables, e.g. `1.32.1`. */
  imageTag(name: string, vars: Vars = {}): string {
    const image = interpolate(this.service(name).image ?? '', vars);
    const tag = image.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : '';
    if (!/^\d+\.\d+\.\d+$/.test(tag)) throw new Error(`service "${name}": image "${image}" has no x.y.z tag`);
    return tag;
  }

  /**
   * The environment compose gives the container of `name`, with `vars` in the role of the shell and `.env`.
   * A pass-through entry (a name without a value) is present only when `vars` sets it, as in compose.
   */
  environment(name: string, vars: Vars = {}): Record<string, string> {
    const raw = this.service(name).environment ?? {};
    const entries: [string, EnvValue][] = Array.isArray(raw)
      ? raw.map((item) => {
          const eq = item.indexOf('=');
          return eq < 0 ? [item, null] : [item.slice(0, eq), item.slice(eq + 1)];
        })
      : Object.entries(raw);
    const env: Record<string, string> = {};
    for (const [key, value] of entries) {
      if (value === null) {
        if (vars[key] !== undefined) env[key] = vars[key];
      } else {
        env[key] = interpolate(String(value), vars);
      }
    }
    return env;
  }
}

/**
 * Compose's interpolation: `$$`, `$NAME`, `${NAME}`, `${NAME:-default}` (unset or empty), `${NAME-default}` (unset),
 * and `${NAME:?message}` / `${NAME?message}`, which fail with the message when NAME is unset or empty / unset.
 */
export function interpolate(text: string, vars: Vars): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_]\w*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_]\w*)/g,
    (match, braced?: string, colon?: string, op?: string, word?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare)!;
      const value = vars[name];
      if (op === undefined) return value ?? '';
      const missing = colon ? !value : value === undefined;
      if (!missing) return value!;
      if (op === '-') return word!;
      throw new Error(`${name} is required (docker-compose.yml): ${word || 'set it'}`);
    },
  );
}
