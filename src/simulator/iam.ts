/**
 * A Keystone-v3-style IAM token endpoint: `POST /v3/auth/tokens[?nocatalog=true]` with password credentials.
 * 201 with the token in `X-Subject-Token` and a body as in the OTC IAM docs; a wrong user, domain or password is
 * 401 with IAM's own error shape `{"error":{"code","message","title"}}` (not the ModelArts one).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { IamTokenResponse } from '../modelarts/types.js';
import type { Auth } from './auth.js';
import type { CounterBook } from './counters.js';
import { iamTime } from './time.js';

export interface IamUser {
  name: string;
  password: string;
  domainName: string;
  projectName: string;
}

export interface IamAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

const tokenRequest = z.object({
  auth: z.object({
    identity: z.object({
      methods: z.array(z.string()).refine((m) => m.includes('password')),
      password: z.object({
        user: z.object({ name: z.string(), password: z.string(), domain: z.object({ name: z.string() }) }),
      }),
    }),
    scope: z
      .object({
        project: z.union([z.object({ name: z.string() }), z.object({ id: z.string() })]).optional(),
        domain: z.unknown().optional(),
      })
      .optional(),
  }),
});

/** Stable 32-hex ids for names, like IAM's. */
const idFor = (kind: string, name: string) => createHash('sha256').update(`${kind}:${name}`).digest('hex').slice(0, 32);

const iamError = (code: number, title: string, message: string): IamAnswer => ({
  status: code,
  body: { error: { code, message, title } },
  headers: {},
});

export class Iam {
  constructor(
    private readonly auth: Auth,
    private readonly users: IamUser[],
    private readonly project: { id: string; name: string },
    private readonly modelartsUrl: () => string,
    private readonly counters: CounterBook,
  ) {}

  issueTokens(rawBody: Buffer, query: URLSearchParams): IamAnswer {
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString('utf8'));
    } catch {
      return iamError(400, 'Bad Request', 'The request body is not valid JSON.');
    }
    const parsed = tokenRequest.safeParse(json);
    if (!parsed.success)
      return iamError(400, 'Bad Request', 'Invalid request: only password authentication is supported.');
    const { identity, scope } = parsed.data.auth;
    const wanted = identity.password.user;
    const user = this.users.find(
      (u) => u.name === wanted.name && u.domainName === wanted.domain.name && u.password === wanted.password,
    );
    if (!user) return iamError(401, 'Unauthorized', 'The username or password is wrong.');

    // A project scope must name the user's project; without one the token is domain-scoped (no project).
    const scopedProject = scope?.project;
    if (scopedProject) {
      const matches =
        'name' in scopedProject ? scopedProject.name === user.projectName : scopedProject.id === this.project.id;
      if (!matches) return iamError(401, 'Unauthorized', 'The request you have made requires authentication.');
    }
    const { token, record } = this.auth.issue(user.name, scopedProject ? this.project.id : undefined);
    this.counters.total.tokensIssued++;

    const domain = { id: idFor('domain', user.domainName), name: user.domainName };
    const nocatalog = (query.get('nocatalog') ?? '') !== '';
    const body: IamTokenResponse & { token: { domain?: typeof domain } } = {
      token: {
        expires_at: iamTime(record.expiresAt),
        methods: ['password'],
        ...(nocatalog ? {} : { catalog: this.catalog() }),
        ...(scopedProject ? { project: { domain, id: this.project.id, name: user.projectName } } : { domain }),
        roles: [{ id: idFor('role', 'te_admin'), name: 'te_admin' }],
        user: {
          domain,
          id: idFor('user', `${user.domainName}/${user.name}`),
          name: user.name,
          password_expires_at: '',
        },
        issued_at: iamTime(record.issuedAt),
      },
    };
    return { status: 201, body, headers: { 'X-Subject-Token': token } };
  }

  private catalog(): unknown[] {
    const region = this.project.name;
    const base = this.modelartsUrl();
    return [
      {
        endpoints: [
          {
            id: idFor('endpoint', 'modelarts'),
            interface: 'public',
            region,
            region_id: region,
            url: `${base}/v2/${this.project.id}`,
          },
        ],
        id: idFor('service', 'modelarts'),
        name: 'modelarts',
        type: 'modelarts',
      },
      {
        endpoints: [
          { id: idFor('endpoint', 'iam'), interface: 'public', region: '*', region_id: '*', url: `${base}/v3` },
        ],
        id: idFor('service', 'iam'),
        name: 'iam',
        type: 'identity',
      },
    ];
  }
}
