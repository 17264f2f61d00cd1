/**
 * ModelArts client options from the environment. Every problem is reported at once (ConfigError), each naming the
 * variable, and secrets are never echoed.
 *
 * Each setting is read from the first variable that is set (and non-empty) in its row of ENV_VARIABLES, so the
 * MODELARTS_* names win over the OpenStack OS_* names (OTC) and the Huawei Cloud SDK names.
 *
 * Choosing the authentication mode:
 * 1. If MODELARTS_* variables of exactly one mode are set, that mode is used, and it must be complete (missing
 *    variables are named). MODELARTS_* variables of two modes at once are rejected as ambiguous.
 * 2. Otherwise the first complete mode in the order AK/SK, token, IAM password is used. This lets an OpenStack
 *    `openrc` (OS_USERNAME, OS_PASSWORD, …) sit next to deliberately exported keys or an OS_TOKEN.
 * 3. If no mode is complete, the partly configured modes are reported with their missing variables.
 */
import { AkSkAuth, IamPasswordAuth, TokenAuth, type AuthProvider } from './auth.js';
import { MAX_TIMEOUT_MS, type ModelArtsClientOptions } from './client.js';
import { ConfigError } from '../config-error.js';
import { ALLOW_CLEARTEXT_VARIABLE, cleartextAllowed, isLoopbackHost } from '../loopback.js';
import { withSecretFiles } from '../secret-files.js';

type Env = Record<string, string | undefined>;

/** Every setting and the variables it is read from, highest precedence first. */
export const ENV_VARIABLES = {
  endpoint: ['MODELARTS_ENDPOINT'],
  projectId: ['MODELARTS_PROJECT_ID', 'OS_PROJECT_ID', 'HUAWEICLOUD_SDK_PROJECT_ID'],
  accessKey: ['MODELARTS_ACCESS_KEY', 'OS_ACCESS_KEY', 'HUAWEICLOUD_SDK_AK'],
  secretKey: ['MODELARTS_SECRET_KEY', 'OS_SECRET_KEY', 'HUAWEICLOUD_SDK_SK'],
  securityToken: ['MODELARTS_SECURITY_TOKEN', 'OS_SECURITY_TOKEN', 'HUAWEICLOUD_SDK_SECURITY_TOKEN'],
  iamEndpoint: ['MODELARTS_IAM_ENDPOINT', 'OS_AUTH_URL', 'HUAWEICLOUD_SDK_IAM_ENDPOINT'],
  username: ['MODELARTS_USERNAME', 'OS_USERNAME'],
  password: ['MODELARTS_PASSWORD', 'OS_PASSWORD'],
  domainName: ['MODELARTS_DOMAIN_NAME', 'OS_USER_DOMAIN_NAME', 'OS_DOMAIN_NAME'],
  projectName: ['MODELARTS_PROJECT_NAME', 'OS_PROJECT_NAME', 'OS_TENANT_NAME'],
  authToken: ['MODELARTS_AUTH_TOKEN', 'OS_AUTH_TOKEN', 'OS_TOKEN'],
  timeoutMs: ['MODELARTS_TIMEOUT_MS'],
} as const;
type Setting = keyof typeof ENV_VARIABLES;

/** Variables that hold secrets: each may instead be read from a file named by `NAME_FILE` (src/secret-files.ts). */
export const SECRET_VARIABLES: readonly string[] = (
  ['accessKey', 'secretKey', 'securityToken', 'password', 'authToken'] as const
).flatMap((setting) => ENV_VARIABLES[setting]);

/** Markdown table of the variables, for the README and `--help`. */
export const MODELARTS_ENV_TABLE = [
  '| Setting | Variables (first set wins) | Needed for |',
  '|---|---|---|',
  ...(
    [
      ['endpoint', 'always, e.g. https://modelarts.eu-de.otc.t-systems.com'],
      ['projectId', 'always'],
      ['accessKey', 'AK/SK signing'],
      ['secretKey', 'AK/SK signing'],
      ['securityToken', 'AK/SK signing with temporary keys (optional)'],
      ['iamEndpoint', 'IAM password token, e.g. https://iam.eu-de.otc.t-systems.com/v3'],
      ['username', 'IAM password token'],
      ['password', 'IAM password token'],
      ['domainName', 'IAM password token'],
      ['projectName', 'IAM password token (project scope, e.g. eu-de)'],
      ['authToken', 'a ready IAM token'],
      ['timeoutMs', 'optional per-request timeout in ms (default 30000)'],
    ] as [Setting, string][]
  ).map(([setting, use]) => `| ${setting} | ${ENV_VARIABLES[setting].map((v) => `\`${v}\``).join(', ')} | ${use} |`),
].join('\n');

interface Mode {
  name: 'aksk' | 'token' | 'iam';
  label: string;
  required: Setting[];
  /** Settings whose presence (outside MODELARTS_*) shows an intent to use this mode; ambient ones like OS_AUTH_URL don't. */
  intent: Setting[];
  optional: Setting[];
}

/** In fallback precedence order. */
const MODES: Mode[] = [
  {
    name: 'aksk',
    label: 'AK/SK signing',
    required: ['accessKey', 'secretKey'],
    intent: ['accessKey', 'secretKey', 'securityToken'],
    optional: ['securityToken'],
  },
  { name: 'token', label: 'a ready IAM token', required: ['authToken'], intent: ['authToken'], optional: [] },
  {
    name: 'iam',
    label: 'IAM password authentication',
    required: ['iamEndpoint', 'username', 'password', 'domainName', 'projectName'],
    intent: ['username', 'password'],
    optional: [],
  },
];

interface Resolved {
  value: string;
  variable: string;
}

function resolve(env: Env, setting: Setting): Resolved | undefined {
  for (const variable of ENV_VARIABLES[setting]) {
    const value = env[variable]?.trim();
    if (value) return { value, variable };
  }
  return undefined;
}

const names = (setting: Setting) => {
  const [first, ...others] = ENV_VARIABLES[setting];
  return others.length ? `${first} (or ${others.join(' / ')})` : first;
};

function checkUrl(problems: string[], r: Resolved | undefined, kind: string, allowCleartext: boolean): void {
  if (!r) return;
  let url: URL;
  try {
    url = new URL(r.value);
  } catch {
    problems.push(
      `${r.variable}: must be an http(s) URL for ${kind}, e.g. https://host; got ${JSON.stringify(r.value)}`,
    );
    return;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    problems.push(`${r.variable}: must use https:// (or http:// for a local simulator); got ${url.protocol}//`);
  // Signed requests, passwords and tokens would cross the network in clear.
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !allowCleartext)
    problems.push(
      `${r.variable}: must use https:// for a host that is not this machine (${url.hostname}); http:// is only ` +
        `accepted for loopback, or with ${ALLOW_CLEARTEXT_VARIABLE}=true`,
    );
  // The URL would otherwise be echoed with its password in messages and logs.
  if (url.username || url.password) problems.push(`${r.variable}: must not contain user:password@`);
  if (url.search || url.hash) problems.push(`${r.variable}: must not contain a query or fragment`);
  if (kind === 'ModelArts' && /\/v[12](\/|$)/.test(url.pathname)) {
    problems.push(`${r.variable}: must be the base URL without /v2/{project_id}, e.g. ${url.origin}`);
  }
}

/** Reads and validates the ModelArts settings; throws ConfigError listing every problem. */
export function modelArtsOptionsFromEnv(rawEnv: Env = process.env): Omit<ModelArtsClientOptions, 'logger'> {
  const { env, problems } = withSecretFiles(rawEnv, SECRET_VARIABLES);
  const get = (setting: Setting) => resolve(env, setting);
  const allowCleartext = cleartextAllowed(env);

  const endpoint = get('endpoint');
  if (!endpoint) problems.push(`${names('endpoint')}: is required, e.g. https://modelarts.eu-de.otc.t-systems.com`);
  checkUrl(problems, endpoint, 'ModelArts', allowCleartext);

  const projectId = get('projectId');
  if (!projectId)
    problems.push(
      `${names('projectId')}: is required (the project id, see the console under My Credentials > Projects)`,
    );
  else if (!/^[A-Za-z0-9_-]{1,64}$/.test(projectId.value))
    problems.push(
      `${projectId.variable}: must be a project id (letters and digits); got ${JSON.stringify(projectId.value)}`,
    );

  const timeout = get('timeoutMs');
  if (
    timeout &&
    !(/^\d+$/.test(timeout.value) && Number(timeout.value) > 0 && Number(timeout.value) <= MAX_TIMEOUT_MS)
  ) {
    problems.push(
      `${timeout.variable}: must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS} (an activity attempt ` +
        `allows 4 requests of that length); got ${JSON.stringify(timeout.value)}`,
    );
  }

  const mode = chooseMode(env, problems);
  if (mode?.name === 'iam') checkUrl(problems, get('iamEndpoint'), 'IAM', allowCleartext);

  if (problems.length > 0 || !mode || !endpoint || !projectId) throw new ConfigError(problems);

  const timeoutMs = timeout ? Number(timeout.value) : undefined;
  const value = (s: Setting) => get(s)?.value ?? '';
  let auth: AuthProvider;
  switch (mode.name) {
    case 'aksk':
      auth = new AkSkAuth({
        accessKey: value('accessKey'),
        secretKey: value('secretKey'),
        securityToken: get('securityToken')?.value,
      });
      break;
    case 'token':
      auth = new TokenAuth(value('authToken'));
      break;
    case 'iam':
      auth = new IamPasswordAuth({
        iamEndpoint: value('iamEndpoint'),
        username: value('username'),
        password: value('password'),
        domainName: value('domainName'),
        projectName: value('projectName'),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      });
      break;
  }
  return {
    endpoint: endpoint.value,
    projectId: projectId.value,
    auth,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
}

function chooseMode(env: Env, problems: string[]): Mode | undefined {
  const missing = (mode: Mode) => mode.required.filter((s) => !resolve(env, s));
  const explicitVars = (mode: Mode) =>
    [...mode.required, ...mode.optional]
      .map((s) => ENV_VARIABLES[s][0])
      .filter((v) => v.startsWith('MODELARTS_') && env[v]?.trim());

  const explicit = MODES.filter((m) => explicitVars(m).length > 0);
  if (explicit.length > 1) {
    const list = explicit.map((m) => `${explicitVars(m).join(', ')} (${m.label})`).join(' and ');
    problems.push(
      `${explicit.flatMap(explicitVars).join(', ')}: conflicting authentication settings: ${list}; set only one way to authenticate`,
    );
    return undefined;
  }
  const reportMissing = (mode: Mode) => {
    for (const s of missing(mode)) problems.push(`${names(s)}: is required for ${mode.label}`);
  };
  if (explicit.length === 1) {
    const mode = explicit[0]!;
    if (missing(mode).length > 0) {
      reportMissing(mode);
      return undefined;
    }
    return mode;
  }
  const complete = MODES.find((m) => missing(m).length === 0);
  if (complete) return complete;
  const intended = MODES.filter((m) => m.intent.some((s) => resolve(env, s)));
  if (intended.length > 0) intended.forEach(reportMissing);
  else {
    problems.push(
      'MODELARTS_ACCESS_KEY, MODELARTS_USERNAME, MODELARTS_AUTH_TOKEN: no authentication configured; set MODELARTS_ACCESS_KEY + MODELARTS_SECRET_KEY, ' +
        'or MODELARTS_IAM_ENDPOINT + MODELARTS_USERNAME + MODELARTS_PASSWORD + MODELARTS_DOMAIN_NAME + MODELARTS_PROJECT_NAME, or MODELARTS_AUTH_TOKEN',
    );
  }
  return undefined;
}
