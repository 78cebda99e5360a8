// Networks of one environment.
import { Elysia, t } from 'elysia';
import {
  connectContainer,
  createNetwork,
  disconnectContainer,
  inspectNetwork,
  listNetworks,
  pruneNetworks,
  removeNetwork,
} from '../../docker/networks.ts';
import type { DockerClientPool } from '../../environments/client-pool.ts';
import type { EnvironmentStore } from '../../store/environments.ts';
import type { AccessControl } from '../access.ts';
import { ENVIRONMENT_ROUTE_FAILURES, EnvironmentIdParams } from '../schemas.ts';
import { requireEnvironment } from './environments.ts';
import { LabelFilter } from './system.ts';

export interface NetworkRouteDeps {
  access: AccessControl;
  environments: EnvironmentStore;
  clients: DockerClientPool;
}

const tags = ['networks'];
const failures = ENVIRONMENT_ROUTE_FAILURES;
const StringMap = t.Record(t.String(), t.String());
const NetworkParams = t.Object({
  id: t.Integer({ minimum: 1 }),
  network: t.String({ minLength: 1, maxLength: 255, description: 'id or name' }),
});
const ContainerReference = t.String({ minLength: 1, maxLength: 255, description: 'container id or name' });

const NetworkSchema = t.Object(
  {
    id: t.String(),
    name: t.String(),
    driver: t.String(),
    scope: t.String(),
    internal: t.Boolean(),
    attachable: t.Boolean(),
    ipv6: t.Boolean(),
    builtin: t.Boolean({ description: 'bridge, host or none: cannot be removed' }),
    subnets: t.Array(
      t.Object({ subnet: t.String(), gateway: t.Nullable(t.String()), ipRange: t.Nullable(t.String()) }),
    ),
    labels: StringMap,
    options: StringMap,
    createdAt: t.Nullable(t.String()),
    containers: t.Array(
      t.Object({
        id: t.String(),
        name: t.String(),
        ipv4: t.Nullable(t.String()),
        aliases: t.Array(t.String()),
      }),
    ),
  },
  { title: 'Network' },
);

export function networkRoutes({ access, environments, clients }: NetworkRouteDeps) {
  const clientOf = async (id: number) => clients.clientFor(await requireEnvironment(environments, id));

  return new Elysia({ prefix: '/api/environments/:id/networks' })
    .use(access)
    .get('', async ({ params }) => listNetworks(await clientOf(params.id)), {
      access: 'networks:read',
      params: EnvironmentIdParams,
      response: { 200: t.Array(NetworkSchema), ...failures },
      detail: { summary: 'List networks with their subnets and attached containers', tags },
    })
    .post(
      '',
      async ({ params, body, set }) => {
        const network = await createNetwork(await clientOf(params.id), body);
        set.status = 201;
        return network;
      },
      {
        access: 'networks:create',
        params: EnvironmentIdParams,
        body: t.Object({
          name: t.String({
            pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
            maxLength: 128,
            error:
              'a network name is letters, digits, dots, dashes and underscores, starting with a letter or digit',
          }),
          driver: t.Optional(
            t.String({
              minLength: 1,
              maxLength: 64,
              description: 'bridge (default), macvlan, ipvlan, overlay…',
            }),
          ),
          parent: t.Optional(
            t.String({ pattern: '^[A-Za-z0-9_.@:-]{1,64}$', description: 'macvlan/ipvlan host interface' }),
          ),
          internal: t.Optional(t.Boolean()),
          attachable: t.Optional(t.Boolean()),
          enableIPv6: t.Optional(t.Boolean()),
          labels: t.Optional(StringMap),
          options: t.Optional(StringMap),
          ipam: t.Optional(
            t.Array(
              t.Object({
                subnet: t.String({ minLength: 1, maxLength: 64 }),
                gateway: t.Optional(t.String({ maxLength: 64 })),
                ipRange: t.Optional(t.String({ maxLength: 64 })),
              }),
              { maxItems: 8 },
            ),
          ),
        }),
        response: { 201: NetworkSchema, ...failures },
        detail: { summary: 'Create a network', tags },
      },
    )
    .post('/prune', async ({ params, body }) => pruneNetworks(await clientOf(params.id), body?.label), {
      access: 'networks:delete',
      params: EnvironmentIdParams,
      body: t.Optional(t.Object({ label: t.Optional(LabelFilter) })),
      response: { 200: t.Object({ deleted: t.Array(t.String()) }), ...failures },
      detail: { summary: 'Remove every custom network no container is attached to', tags },
    })
    .get('/:network', async ({ params }) => inspectNetwork(await clientOf(params.id), params.network), {
      access: 'networks:read',
      params: NetworkParams,
      response: { 200: t.Composite([NetworkSchema, t.Object({ raw: t.Unknown() })]), ...failures },
      detail: { summary: "One network, with the Engine's own JSON as raw", tags },
    })
    .delete(
      '/:network',
      async ({ params, set }) => {
        await removeNetwork(await clientOf(params.id), params.network);
        set.status = 204;
      },
      {
        access: 'networks:delete',
        params: NetworkParams,
        response: { 204: t.Void(), ...failures },
        detail: {
          summary: 'Remove a network (not bridge, host or none; not while containers are attached)',
          tags,
        },
      },
    )
    .post(
      '/:network/connect',
      async ({ params, body, set }) => {
        await connectContainer(await clientOf(params.id), params.network, body);
        set.status = 204;
      },
      {
        access: 'networks:connect',
        params: NetworkParams,
        body: t.Object({
          container: ContainerReference,
          aliases: t.Optional(
            t.Array(t.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', maxLength: 253 }), { maxItems: 32 }),
          ),
          ipv4Address: t.Optional(
            t.String({ maxLength: 15, description: 'a fixed address inside a user-defined subnet' }),
          ),
        }),
        response: { 204: t.Void(), ...failures },
        detail: { summary: 'Connect a container, with aliases and an optional fixed IPv4 address', tags },
      },
    )
    .post(
      '/:network/disconnect',
      async ({ params, body, set }) => {
        await disconnectContainer(await clientOf(params.id), params.network, body.container, body.force);
        set.status = 204;
      },
      {
        access: 'networks:connect',
        params: NetworkParams,
        body: t.Object({ container: ContainerReference, force: t.Optional(t.Boolean()) }),
        response: { 204: t.Void(), ...failures },
        detail: { summary: 'Disconnect a container', tags },
      },
    );
}
