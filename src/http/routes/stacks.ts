// Compose stacks of one environment: the list (Windflow's stacks and the projects found on the
// engine), one stack with its files, variables (secrets masked) and containers, deploys and
// rollbacks as jobs, a preview of what a deploy would change, the history, lifecycle actions,
// down, and the merged live logs.
import { Elysia, t } from 'elysia';
import { projectLogs } from '../../docker/compose/operations.ts';
import { STACK_NAME_PATTERN, type StackService } from '../../stacks/stack-service.ts';
import type { AccessControl } from '../access.ts';
import { ENVIRONMENT_ROUTE_FAILURES, EnvironmentIdParams, isFlagSet, QueryFlag } from '../schemas.ts';
import { eventStreamResponse } from '../server-sent-events.ts';
import { JobSchema } from './jobs.ts';

export interface StackRouteDeps {
  access: AccessControl;
  stackService: StackService;
}

const tags = ['stacks'];
const failures = ENVIRONMENT_ROUTE_FAILURES;
export const StackName = t.String({
  pattern: STACK_NAME_PATTERN,
  error:
    'a stack name is 1-63 lowercase letters, digits, dashes or underscores, starting with a letter or digit',
});
export const StackParams = t.Object({ id: t.Integer({ minimum: 1 }), name: StackName });
const Compose = t.String({ minLength: 1, description: 'the compose.yaml text' });
const Env = t.Optional(t.String({ description: 'the .env text' }));
export const Variables = t.Optional(
  t.Array(
    t.Object({
      name: t.String({
        pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
        error: 'a variable name is letters, digits and _',
      }),
      secret: t.Optional(t.Boolean()),
      value: t.Optional(t.String({ description: 'a secret sent without a value keeps the stored one' })),
    }),
    {
      maxItems: 500,
      description: 'stack variables: they win over .env; secret values are sealed and never returned',
    },
  ),
);
const DeployBody = t.Object({ compose: Compose, env: Env, variables: Variables });
const Origin = t.Optional(
  t.Union([t.Literal('editor'), t.Literal('upload'), t.Literal('docker-run')], {
    description: 'how the file was written, for the list',
  }),
);
const Accepted = { 202: JobSchema, ...failures };

export function stackRoutes({ access, stackService }: StackRouteDeps) {
  const routes = new Elysia({ prefix: '/api/environments/:id/stacks' })
    .use(access)
    .get('', ({ params }) => stackService.list(params.id), {
      access: 'stacks:read',
      params: EnvironmentIdParams,
      detail: {
        summary:
          "Windflow's stacks and the other Compose projects on the engine (managed: false), with status, services and containers",
        tags,
      },
    })
    .post(
      '',
      async ({ params, body, principal, set }) => {
        const job = await stackService.deploy(params.id, body.name, body, {
          principal,
          mode: 'create',
          origin: body.origin,
        });
        set.status = 202;
        return job;
      },
      {
        access: 'stacks:deploy',
        params: EnvironmentIdParams,
        body: t.Object({ name: StackName, compose: Compose, env: Env, variables: Variables, origin: Origin }),
        response: Accepted,
        detail: {
          summary:
            'Create a stack and deploy it (a Compose project already on the engine under that name is adopted); 202 with the deploy job',
          tags,
        },
      },
    )
    .get('/:name', ({ params }) => stackService.detail(params.id, params.name), {
      access: 'stacks:read',
      params: StackParams,
      detail: { summary: 'One stack: its running files, variables (secret values masked), containers', tags },
    })
    .put(
      '/:name',
      async ({ params, body, principal, set }) => {
        const job = await stackService.deploy(params.id, params.name, body, { principal, mode: 'update' });
        set.status = 202;
        return job;
      },
      {
        access: 'stacks:deploy',
        params: StackParams,
        body: DeployBody,
        response: Accepted,
        detail: {
          summary:
            'Deploy a new revision; if it fails (pull, exit, healthcheck within the grace period) the previous one is put back',
          tags,
        },
      },
    )
    .delete(
      '/:name',
      async ({ params, query, set }) => {
        await stackService.remove(params.id, params.name, isFlagSet(query.volumes));
        set.status = 204;
      },
      {
        access: 'stacks:delete',
        params: StackParams,
        query: t.Object({ volumes: QueryFlag('remove its named volumes too') }),
        response: { 204: t.Void(), ...failures },
        detail: {
          summary: 'Take the stack down (containers, networks; volumes with volumes=1) and forget it',
          tags,
        },
      },
    )
    .post('/:name/preview', ({ params, body }) => stackService.preview(params.id, params.name, body), {
      access: 'stacks:read',
      params: StackParams,
      body: DeployBody,
      detail: {
        summary:
          'What deploying this would change: containers created, recreated (and why), removed; networks, volumes, images',
        tags,
      },
    })
    .get('/:name/revisions', ({ params }) => stackService.revisions(params.id, params.name), {
      access: 'stacks:read',
      params: StackParams,
      detail: { summary: 'Every deploy, newest first: files, image digests, outcome and why', tags },
    })
    .post(
      '/:name/rollback',
      async ({ params, body, principal, set }) => {
        const job = await stackService.rollback(params.id, params.name, body.revision, principal);
        set.status = 202;
        return job;
      },
      {
        access: 'stacks:deploy',
        params: StackParams,
        body: t.Object({ revision: t.Integer({ minimum: 1 }) }),
        response: Accepted,
        detail: { summary: 'Deploy an earlier revision again with the exact image digests it ran', tags },
      },
    )
    .post(
      '/:name/pull',
      async ({ params, principal, set }) => {
        const job = await stackService.pull(params.id, params.name, principal);
        set.status = 202;
        return job;
      },
      {
        access: 'stacks:deploy',
        params: StackParams,
        response: Accepted,
        detail: { summary: "Pull every service's image (the next deploy runs them)", tags },
      },
    )
    .get(
      '/:name/logs',
      async ({ params, query }) => {
        const client = await stackService.client(params.id);
        return eventStreamResponse(async function* (signal) {
          for await (const line of projectLogs(client, params.name, {
            service: query.service,
            follow: isFlagSet(query.follow, true),
            tail: query.tail,
            signal,
          })) {
            yield { data: line };
          }
        });
      },
      {
        access: 'stacks:read',
        params: StackParams,
        query: t.Object({
          service: t.Optional(t.String({ pattern: '^[A-Za-z0-9._-]+$' })),
          follow: QueryFlag('keep following (default yes)'),
          tail: t.Optional(t.Integer({ minimum: 0, maximum: 10_000 })),
        }),
        detail: {
          summary:
            "The containers' logs merged (or one service's) as server-sent events of {container, service, stream, text}",
          tags,
        },
      },
    );

  for (const action of ['start', 'stop', 'restart'] as const) {
    routes.post(
      `/:name/${action}`,
      async ({ params, query, principal, set }) => {
        const job = await stackService.lifecycle(params.id, params.name, action, {
          service: query.service,
          principal,
        });
        set.status = 202;
        return job;
      },
      {
        access: 'stacks:deploy',
        params: StackParams,
        query: t.Object({
          service: t.Optional(t.String({ pattern: '^[A-Za-z0-9._-]+$', description: 'only this service' })),
        }),
        response: Accepted,
        detail: {
          summary: `${action[0]?.toUpperCase()}${action.slice(1)} the stack's containers, or one service's`,
          tags,
        },
      },
    );
  }
  return routes;
}
