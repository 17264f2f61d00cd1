/**
 * A server or proxy that echoes a configured secret in prose (`password 'X' rejected`) must not put it into an
 * error message, which becomes a failure in history, `status --json` and the UI. A fake endpoint on loopback echoes
 * every secret the request could carry; the client's errors must hold none of them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AkSkAuth, IamPasswordAuth, TokenAuth, type AuthProvider } from '../../src/modelarts/auth.js';
import { ModelArtsClient } from '../../src/modelarts/client.js';
import { ModelArtsApiError } from '../../src/modelarts/errors.js';
import { toFailure } from '../../src/activities/failures.js';
import { redactSecrets } from '../../src/modelarts/redact.js';
import { runActivity, startActivityEnv } from '../support/activity-env.js';

const SECRETS = {
  accessKey: 'ECHOAKZQ7X9W4P2M8K6J',
  secretKey: 'echo sk, with spaces & "quotes"',
  securityToken: 'echo-security-token-SecTok9W4p',
  password: "echo pass'word Zq7x9",
  token: 'echo-static-token-StaTok7x9q',
};

/** Every secret, in the prose forms servers and proxies use. */
const ECHO = [
  `password '${SECRETS.password}' rejected`,
  `secret ${SECRETS.secretKey} is invalid`,
  `token ${SECRETS.token} expired`,
  `ak ${SECRETS.accessKey} unknown`,
  `security token: ${SECRETS.securityToken}`,
].join('; ');

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    res.writeHead(req.url?.startsWith('/v3/auth/tokens') ? 401 : 400, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error_code: 'ModelArts.0001', error_msg: ECHO, error: { message: ECHO } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function errorOf(auth: AuthProvider): Promise<Error> {
  const client = new ModelArtsClient({ endpoint: url, projectId: 'p1', auth });
  try {
    await client.getDataset('ds1');
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

function expectNone(secrets: string[], text: string): void {
  for (const secret of secrets) {
    expect(text).not.toContain(secret);
    // Nor its end, in case only part of the value was blanked.
    expect(text).not.toContain(secret.slice(-6));
  }
}

const iam = () =>
  new IamPasswordAuth({
    iamEndpoint: `${url}/v3`,
    username: 'u',
    password: SECRETS.password,
    domainName: 'd',
    projectName: 'eu-de',
  });

it.each([
  [
    'AK/SK with a security token',
    () => new AkSkAuth({ ...SECRETS }),
    [SECRETS.accessKey, SECRETS.secretKey, SECRETS.securityToken],
  ],
  ['a ready token', () => new TokenAuth(SECRETS.token), [SECRETS.token]],
  ['an IAM password', iam, [SECRETS.password]],
])(
  'with %s, an answer echoing the secrets in prose leaves none in the error or its failure',
  async (_, auth, secrets) => {
    const err = await errorOf(auth());
    expect(err).toBeInstanceOf(ModelArtsApiError);
    expect((err as ModelArtsApiError).errorCode).toBe('ModelArts.0001');
    const failure = toFailure(err, 'reading dataset ds1');
    expectNone(
      secrets,
      [err.message, (err as ModelArtsApiError).errorMsg, failure.message, JSON.stringify(failure.details)].join('\n'),
    );
    // What the error is about is kept.
    expect(err.message).toContain('rejected');
  },
);

it('patterns alone blank a quoted secret whole (spaces, commas, ampersands) and one echoed in prose', () => {
  const out = redactSecrets(
    [
      `{"password": "pw with, spaces & more"}`,
      `password='single quoted pw'`,
      `MODELARTS_SECRET_KEY: "sk value"`,
      `the password "prose pw" was rejected`,
    ].join('\n'),
  );
  for (const fragment of ['with, spaces', '& more', 'single quoted', 'sk value', 'prose pw'])
    expect(out).not.toContain(fragment);
  expect(out).toContain('was rejected');
});

it("a task whose error_msg echoes the worker's secret reads back without it (the status read is what reaches history)", async () => {
  const credentials = { accessKey: 'ECHOTASKAK0000000001', secretKey: 'echo-task-secret-key-7Hq2' };
  const env = await startActivityEnv(credentials);
  try {
    const ds = env.sim.createDataset({
      dataset_name: 'echoes',
      behavior: {
        durationMs: 0,
        progress: 'linear',
        fail: {
          error_code: 'ModelArts.4352',
          error_msg: `OBS refused the key pair ${credentials.accessKey}/${credentials.secretKey}`,
        },
      },
    });
    const { task_id } = await env.client.createExportTask(ds.dataset_id, { path: '/bucket/echo/' });
    const read = await runActivity(env.activities.readStatus, [
      { kind: 'export', datasetId: ds.dataset_id, taskId: task_id },
    ]);
    expect(read).toMatchObject({ ok: true, outcome: 'failed', errorCode: 'ModelArts.4352' });
    const text = JSON.stringify(read);
    expect(text).toContain('OBS refused the key pair');
    expect(text).not.toContain(credentials.secretKey);
    expect(text).not.toContain(credentials.accessKey);
  } finally {
    await env.sim.close();
  }
});
