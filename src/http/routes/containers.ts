// Containers of one environment: the list, one container's detail and form, create, edit
// (recreate with rollback), rename, lifecycle actions one by one or in bulk, and the live
// CPU/memory readings for the list.
import { Elysia, t } from 'elysia';
import type { Permission } from '../../auth/permissions.ts';
import type { Principal } from '../../auth/principal.ts';
import { recreateContainer } from '../../docker/container-recreate.ts';
import { specFromInspect } from '../../docker/container-spec.ts';
import {
  CONTAINER_ACTIONS,
  type ContainerAction,
  containerDetail,
  containerViewOf,
  createFromSpec,
  listContainerViews,
  renameContainer,
  runAction,
  runBulkAction,
} from '../../docker/containers.ts';
import type { DockerClientPool } from '../../environments/client-pool.ts';
import { USAGE_INTERVAL_MS, type UsageFeeds } from '../../jobs/usage-feeds.ts';
import type { EnvironmentStore } from '../../store/environments.ts';
import type { AccessControl } from '../access.ts';
import { HttpError } from '../errors.ts';
import { authorizeCreateBody } from '../host-access.ts';
import {
  ContainerListQuery,
  ENVIRONMENT_ROUTE_FAILURES,
  EnvironmentIdParams,
  isFlagSet,
} from '../schemas.ts';
import { eventStreamResponse } from '../server-sent-events.ts';
import {
  ContainerIdParams,
  ContainerName,
  ContainerSpecSchema,
  ContainerViewSchema,
} from './container-schemas.ts';
import { requireEnvironment } from './environments.ts';

export interface ContainerRouteDeps {
  access: AccessControl;
  environments: EnvironmentStore;
  clients: DockerClientPool;
  usageFeeds: UsageFeeds;
}

const tags = ['containers'];
const failures = ENVIRONMENT_ROUTE_FAILURES;

/** Which permission each lifecycle action needs. */
const ACTION_PERMISSIONS: Record<ContainerAction, Permission> = {
  start: 'containers:start',
  restart: 'containers:start',
  unpause: 'containers:start',
  stop: 'containers:stop',
  pause: 'containers:stop',
  kill: 'containers:stop',
  remove: 'containers:delete',
};

export function containerRoutes({ access, environments, clients, usageFeeds }: ContainerRouteDeps) {
  const clientOf = async (id: number) => clients.clientFor(await requireEnvironment(environments, id));
  /** The environment's client and the host-access gate for the caller's create bodies there. */
  const gatedClientOf = async (id: number, principal: Principal | undefined) => {
    const environment = await requireEnvironment(environments, id);
    const client = await clients.clientFor(environment);
    const authorize = (config: Record<string, unknown>) =>
      authorizeCreateBody(principal, environment, client, config);
    return { client, authorize };
  };
  const routes = new Elysia({ prefix: '/api/environments/:id/containers' })
    .use(access)
    .get(
      '',
      async ({ params, query }) => listContainerViews(await clientOf(params.id), isFlagSet(query.all)),
      {
        access: 'containers:read',
        params: EnvironmentIdParams,
        query: ContainerListQuery,
        response: { 200: t.Array(ContainerViewSchema), ...failures },
        detail: { summary: 'List containers (running only unless all=1)', tags },
      },
    )
    .post(
      '',
      async ({ params, body, set, principal }) => {
        const { client, authorize } = await gatedClientOf(params.id, principal);
        const { start = true, ...spec } = body;
        const id = await createFromSpec(client, spec, { start, authorize });
        set.status = 201;
        return { id };
      },
      {
        access: 'containers:create',
        params: EnvironmentIdParams,
        body: t.Composite([
          ContainerSpecSchema,
          t.Object({ start: t.Optional(t.Boolean({ description: 'start it once created (default true)' })) }),
        ]),
        response: { 201: t.Object({ id: t.String() }), ...failures },
        detail: {
          summary: 'Create a container from the form (pulling the image if missing) and start it',
          tags,
        },
      },
    )
    .get(
      '/usage',
      async ({ params }) => {
        const client = await clientOf(params.id);
        return eventStreamResponse(async function* (signal) {
          for await (const reading of usageFeeds.follow(client, signal)) yield { data: reading };
        });
      },
      {
        access: 'containers:read',
        params: EnvironmentIdParams,
        response: failures,
        detail: {
          summary: `CPU and memory of every running container as server-sent events: an {id: usage} map at once, then every ${USAGE_INTERVAL_MS / 1000} s`,
          tags,
        },
      },
    )
    .get(
      '/:containerId',
      async ({ params }) => containerDetail(await clientOf(params.id), params.containerId),
      {
        access: 'containers:read',
        params: ContainerIdParams,
        response: failures,
        detail: {
          summary: 'State, health, image digest and the inspect document (secret-looking env masked)',
          tags,
        },
      },
    )
    .get(
      '/:containerId/summary',
      async ({ params }) => {
        const view = await containerViewOf(await clientOf(params.id), params.containerId);
        if (!view) throw new HttpError(404, 'CONTAINER_NOT_FOUND', `No container ${params.containerId}`);
        return view;
      },
      {
        access: 'containers:read',
        params: ContainerIdParams,
        response: { 200: ContainerViewSchema, ...failures },
        detail: { summary: 'One row of the list, to refresh it after an event', tags },
      },
    )
    .get(
      '/:containerId/spec',
      async ({ params }) =>
        specFromInspect(await (await clientOf(params.id)).inspectContainer(params.containerId)),
      {
        access: 'containers:update',
        params: ContainerIdParams,
        response: { 200: ContainerSpecSchema, ...failures },
        detail: { summary: 'The form filled from the container, to edit or duplicate it', tags },
      },
    )
    .put(
      '/:containerId',
      async ({ params, body, principal }) => {
        const { client, authorize } = await gatedClientOf(params.id, principal);
        return { id: await recreateContainer(client, params.containerId, body, { authorize }) };
      },
      {
        access: 'containers:update',
        params: ContainerIdParams,
        body: ContainerSpecSchema,
        response: { 200: t.Object({ id: t.String() }), ...failures },
        detail: {
          summary:
            'Recreate the container with the form applied; anything the form does not cover is kept, and a failure restores the original',
          tags,
        },
      },
    )
    .post(
      '/:containerId/rename',
      async ({ params, body, set }) => {
        await renameContainer(await clientOf(params.id), params.containerId, body.name);
        set.status = 204;
      },
      {
        access: 'containers:update',
        params: ContainerIdParams,
        body: t.Object({ name: ContainerName }),
        response: { 204: t.Void(), ...failures },
        detail: { summary: 'Rename a container', tags },
      },
    )
    .delete(
      '/:containerId',
      async ({ params, set }) => {
        await runAction(await clientOf(params.id), params.containerId, 'remove');
        set.status = 204;
      },
      {
        access: 'containers:delete',
        params: ContainerIdParams,
        response: { 204: t.Void(), ...failures },
        detail: { summary: 'Remove a container, stopping it first if it runs', tags },
      },
    );

  for (const action of CONTAINER_ACTIONS.filter((action) => action !== 'remove')) {
    routes.post(
      `/:containerId/${action}`,
      async ({ params, set }) => {
        await runAction(await clientOf(params.id), params.containerId, action);
        set.status = 204;
      },
      {
        access: ACTION_PERMISSIONS[action],
        params: ContainerIdParams,
        response: { 204: t.Void(), ...failures },
        detail: { summary: `${action[0]?.toUpperCase()}${action.slice(1)} a container`, tags },
      },
    );
  }
  for (const action of CONTAINER_ACTIONS) {
    routes.post(
      `/bulk/${action}`,
      async ({ params, body }) => runBulkAction(await clientOf(params.id), body.ids, action),
      {
        access: ACTION_PERMISSIONS[action],
        params: EnvironmentIdParams,
        body: t.Object({
          ids: t.Array(t.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' }), {
            minItems: 1,
            maxItems: 1000,
          }),
        }),
        response: {
          200: t.Array(t.Object({ id: t.String(), ok: t.Boolean(), error: t.Optional(t.String()) })),
          ...failures,
        },
        detail: { summary: `${action} several containers; each one's outcome is reported`, tags },
      },
    );
  }
  return routes;
}
