// Git stacks over HTTP: an environment's repositories (credentials write-only — a password or
// token, or an SSH deploy key made here or pasted, with its pinned host key — "test
// connection" listing branches and tags, the repository webhook's URL and secret, its delivery
// log), creating a stack from a repository, attaching Git to a stack, detaching it, "pull and
// redeploy", and the public webhook endpoint Git servers deliver pushes to.
import { Elysia, t } from 'elysia';
import type { GitStacks } from '../../git/git-stacks.ts';
import type { AccessControl } from '../access.ts';
import { HttpError } from '../errors.ts';
import { ENVIRONMENT_ROUTE_FAILURES, EnvironmentIdParams, ErrorSchema } from '../schemas.ts';
import { JobSchema } from './jobs.ts';
import { StackName, StackParams, Variables } from './stacks.ts';

export interface GitRouteDeps {
  access: AccessControl;
  gitStacks: GitStacks;
}

const tags = ['git'];
const RepositoryParams = t.Object({ id: t.Integer({ minimum: 1 }), repositoryId: t.Integer({ minimum: 1 }) });
const Url = t.String({
  minLength: 1,
  maxLength: 2000,
  description: 'https://, http://, ssh:// or scp-like (git@host:owner/repo.git) address of the repository',
});
const Auth = t.Union([t.Literal('none'), t.Literal('basic'), t.Literal('ssh')], {
  description: 'none; basic: a user name with a password or access token; ssh: a deploy key',
});
const Connection = {
  url: Url,
  auth: Auth,
  username: t.Optional(t.String({ maxLength: 200 })),
  secret: t.Optional(
    t.String({
      maxLength: 20_000,
      description:
        'basic: password or token; ssh: a private key (OpenSSH or PEM). Write-only (omitted on update: kept)',
    }),
  ),
  deployKey: t.Optional(
    t.String({ minLength: 1, maxLength: 20_000, description: 'ssh: the token of a generated deploy key' }),
  ),
  passphrase: t.Optional(t.String({ maxLength: 1000, description: "ssh: the pasted key's passphrase" })),
  knownHostKey: t.Optional(
    t.Union([t.String({ maxLength: 20_000 }), t.Null()], {
      description:
        'ssh: the pinned host key, an OpenSSH key line or a SHA256: fingerprint (omitted on update: kept; null: none)',
    }),
  ),
};
const RepositoryBody = t.Object({ name: t.String({ minLength: 1, maxLength: 100 }), ...Connection });
const Path = t.String({ minLength: 1, maxLength: 1000 });
const Link = {
  repositoryId: t.Integer({ minimum: 1 }),
  ref: t.String({ minLength: 1, maxLength: 300, description: 'branch, tag or 40-hex commit to follow' }),
  composePath: t.String({
    minLength: 1,
    maxLength: 1000,
    description: 'the compose file, relative to the repository root',
  }),
  extraFiles: t.Optional(
    t.Array(Path, { maxItems: 20, description: 'compose files merged over it, in order' }),
  ),
  poll: t.Optional(
    t.Union([t.String({ minLength: 1, maxLength: 100 }), t.Null()], {
      description: 'cron expression to poll the ref on (null: no polling)',
    }),
  ),
};
const Accepted = { 202: JobSchema, ...ENVIRONMENT_ROUTE_FAILURES };

export function gitRoutes({ access, gitStacks }: GitRouteDeps) {
  const environment = new Elysia({ prefix: '/api/environments/:id' })
    .use(access)
    .get('/git/repositories', ({ params }) => gitStacks.repositories(params.id), {
      access: 'stacks:read',
      params: EnvironmentIdParams,
      detail: { summary: "The environment's Git repositories (credentials are never returned)", tags },
    })
    .post(
      '/git/repositories',
      async ({ params, body, set }) => {
        set.status = 201;
        return gitStacks.createRepository(params.id, body);
      },
      {
        access: 'stacks:deploy',
        params: EnvironmentIdParams,
        body: RepositoryBody,
        detail: { summary: 'Add a repository; its password or token is sealed at rest', tags },
      },
    )
    .put(
      '/git/repositories/:repositoryId',
      ({ params, body }) => gitStacks.updateRepository(params.id, params.repositoryId, body),
      {
        access: 'stacks:deploy',
        params: RepositoryParams,
        body: RepositoryBody,
        detail: { summary: 'Change a repository (a secret left out keeps the stored one)', tags },
      },
    )
    .delete(
      '/git/repositories/:repositoryId',
      async ({ params, set }) => {
        await gitStacks.removeRepository(params.id, params.repositoryId);
        set.status = 204;
      },
      {
        access: 'stacks:deploy',
        params: RepositoryParams,
        response: { 204: t.Void(), ...ENVIRONMENT_ROUTE_FAILURES },
        detail: { summary: 'Forget a repository no stack follows', tags },
      },
    )
    .post(
      '/git/deploy-keys',
      async ({ body, set }) => {
        set.status = 201;
        return gitStacks.generateDeployKey(body.kind);
      },
      {
        access: 'stacks:deploy',
        params: EnvironmentIdParams,
        body: t.Object({ kind: t.Union([t.Literal('ed25519'), t.Literal('rsa')]) }),
        detail: {
          summary:
            'Generate an SSH deploy key: the public key to add on the Git server, the private key only as a sealed token',
          tags,
        },
      },
    )
    .post('/git/test', ({ body }) => gitStacks.testConnection(body), {
      access: 'stacks:deploy',
      params: EnvironmentIdParams,
      body: t.Object(Connection),
      detail: { summary: 'Test connection: the branches and tags of a repository, as typed', tags },
    })
    .get(
      '/git/repositories/:repositoryId/refs',
      ({ params }) => gitStacks.refs(params.id, params.repositoryId),
      {
        access: 'stacks:deploy',
        params: RepositoryParams,
        detail: { summary: "Test connection: a saved repository's branches and tags", tags },
      },
    )
    .get(
      '/git/repositories/:repositoryId/webhook',
      ({ params }) => gitStacks.repositoryWebhook(params.id, params.repositoryId),
      {
        access: 'stacks:deploy',
        params: RepositoryParams,
        detail: {
          summary: "The repository's webhook: a push redeploys every stack following the pushed branch",
          tags,
        },
      },
    )
    .get(
      '/git/repositories/:repositoryId/deliveries',
      ({ params }) => gitStacks.repositoryDeliveries(params.id, params.repositoryId),
      {
        access: 'stacks:read',
        params: RepositoryParams,
        detail: { summary: "The repository webhook's last deliveries: outcome and why", tags },
      },
    )
    .post(
      '/git/stacks',
      async ({ params, body, principal, set }) => {
        const job = await gitStacks.createStack(
          params.id,
          body.name,
          { ...body, extraFiles: body.extraFiles ?? [] },
          principal,
        );
        set.status = 202;
        return job;
      },
      {
        access: 'stacks:deploy',
        params: EnvironmentIdParams,
        body: t.Object({ name: StackName, ...Link, variables: Variables }),
        response: Accepted,
        detail: {
          summary:
            'Create a stack from a repository: the ref is fetched and its compose file checked before anything is deployed',
          tags,
        },
      },
    )
    .get('/stacks/:name/git', ({ params }) => gitStacks.view(params.id, params.name), {
      access: 'stacks:read',
      params: StackParams,
      detail: { summary: 'What the stack follows: repository, ref, files, webhook path, polling', tags },
    })
    .put(
      '/stacks/:name/git',
      async ({ params, body, principal, set }) => {
        const result = await gitStacks.attach(
          params.id,
          params.name,
          { ...body, extraFiles: body.extraFiles ?? [] },
          principal,
        );
        set.status = result.job ? 202 : 200;
        return result;
      },
      {
        access: 'stacks:deploy',
        params: StackParams,
        body: t.Object(Link),
        detail: {
          summary:
            'Attach Git to the stack (or change what it follows) and deploy what the ref holds, unless it runs it already',
          tags,
        },
      },
    )
    .delete(
      '/stacks/:name/git',
      async ({ params, set }) => {
        await gitStacks.detach(params.id, params.name);
        set.status = 204;
      },
      {
        access: 'stacks:deploy',
        params: StackParams,
        response: { 204: t.Void(), ...ENVIRONMENT_ROUTE_FAILURES },
        detail: {
          summary: 'Detach Git: the stack keeps running its files and no longer follows the repository',
          tags,
        },
      },
    )
    .post(
      '/stacks/:name/git/redeploy',
      async ({ params, principal, set }) => {
        const result = await gitStacks.redeploy(params.id, params.name, 'manual', principal);
        set.status = 202;
        return result;
      },
      {
        access: 'stacks:deploy',
        params: StackParams,
        detail: { summary: 'Pull and redeploy: fetch the ref now and deploy its commit', tags },
      },
    )
    .post('/stacks/:name/git/preview', ({ params }) => gitStacks.preview(params.id, params.name), {
      access: 'stacks:deploy',
      params: StackParams,
      detail: {
        summary:
          'Preview "pull and redeploy": the ref is fetched and its commit planned against what runs; nothing is deployed',
        tags,
      },
    })
    .get('/stacks/:name/git/webhook', ({ params }) => gitStacks.stackWebhook(params.id, params.name), {
      access: 'stacks:deploy',
      params: StackParams,
      detail: { summary: "The stack's own webhook URL path and secret", tags },
    })
    .get('/stacks/:name/git/deliveries', ({ params }) => gitStacks.stackDeliveries(params.id, params.name), {
      access: 'stacks:read',
      params: StackParams,
      detail: { summary: "The stack webhook's last deliveries", tags },
    });

  const hooks = new Elysia().use(access).post(
    '/api/git/webhooks/:token',
    async ({ params, body, request, set }) => {
      // Streamed (see body-limits.ts): the signature is over the exact bytes sent.
      const bytes =
        body instanceof ReadableStream ? new Uint8Array(await new Response(body).arrayBuffer()) : null;
      if (!bytes) throw new HttpError(400, 'WEBHOOK_BODY_MISSING', 'A delivery has a body');
      const result = await gitStacks.webhook(params.token, request.headers, bytes);
      set.status = result.status;
      return result.delivery;
    },
    {
      access: 'public',
      params: t.Object({ token: t.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }) }),
      response: {
        202: t.Any(),
        400: ErrorSchema,
        401: ErrorSchema,
        404: ErrorSchema,
        409: ErrorSchema,
        413: ErrorSchema,
      },
      detail: {
        summary:
          "Git servers' push deliveries (GitHub, GitLab, Gitea/Forgejo, Bitbucket, or generic HMAC): verified, replays refused",
        tags,
      },
    },
  );
  return new Elysia().use(environment).use(hooks);
}
