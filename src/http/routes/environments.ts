import { Elysia, t } from 'elysia';
import { CLOSED_HOST_POLICY } from '../../docker/host-powers.ts';
import type { DockerClientPool } from '../../environments/client-pool.ts';
import { parseHostPort } from '../../environments/endpoint.ts';
import type { EnvironmentStore } from '../../store/environments.ts';
import type { Environment, EnvironmentInput } from '../../store/records.ts';
import type { AccessControl } from '../access.ts';
import { assertReachableHost, assertValidEnvironment } from '../environment-rules.ts';
import { HttpError } from '../errors.ts';
import { assertMayChangeHostPolicy, normalizeHostPolicy, samePolicy } from '../host-access.ts';
import {
  ConnectionTestSchema,
  EnvironmentCreateBody,
  EnvironmentIdParams,
  EnvironmentSchema,
  EnvironmentUpdateBody,
  ErrorSchema,
} from '../schemas.ts';

export interface EnvironmentRouteDeps {
  access: AccessControl;
  environments: EnvironmentStore;
  clients: DockerClientPool;
  /** No environment's socket may point into it. */
  dataDir?: string;
}

const tags = ['environments'];

export async function requireEnvironment(environments: EnvironmentStore, id: number): Promise<Environment> {
  const environment = await environments.get(id);
  if (!environment) throw new HttpError(404, 'ENVIRONMENT_NOT_FOUND', `No environment with id ${id}`);
  return environment;
}

export function environmentRoutes({ access, environments, clients, dataDir }: EnvironmentRouteDeps) {
  return new Elysia({ prefix: '/api/environments' })
    .use(access)
    .get('/', () => environments.list(), {
      access: 'environments:read',
      response: t.Array(EnvironmentSchema),
      detail: { summary: 'List environments', tags },
    })
    .post(
      '/',
      async ({ body, set, principal }) => {
        await assertValidEnvironment(
          { type: body.type, address: body.address, tls: tlsPresence(body.tls) },
          { dataDir },
        );
        const hostPolicy = normalizeHostPolicy(body.hostPolicy ?? CLOSED_HOST_POLICY);
        if (!samePolicy(hostPolicy, CLOSED_HOST_POLICY)) assertMayChangeHostPolicy(principal, undefined);
        set.status = 201;
        return environments.create({ ...body, hostPolicy });
      },
      {
        access: 'environments:create',
        body: EnvironmentCreateBody,
        response: { 201: EnvironmentSchema, 400: ErrorSchema, 403: ErrorSchema, 409: ErrorSchema },
        detail: { summary: 'Add an environment', tags },
      },
    )
    .get('/:id', ({ params }) => requireEnvironment(environments, params.id), {
      access: 'environments:read',
      params: EnvironmentIdParams,
      response: { 200: EnvironmentSchema, 404: ErrorSchema },
      detail: { summary: 'One environment', tags },
    })
    .patch(
      '/:id',
      async ({ params, body, principal }) => {
        const current = await requireEnvironment(environments, params.id);
        await assertValidEnvironment(
          {
            type: body.type ?? current.type,
            address: body.address ?? current.address,
            tls: mergeTlsPresence(current.tls, body.tls),
          },
          { dataDir },
        );
        const hostPolicy = body.hostPolicy && normalizeHostPolicy(body.hostPolicy);
        if (hostPolicy && !samePolicy(hostPolicy, current.hostPolicy)) {
          assertMayChangeHostPolicy(principal, params.id);
        }
        const updated = await environments.update(params.id, { ...body, hostPolicy });
        if (!updated)
          throw new HttpError(404, 'ENVIRONMENT_NOT_FOUND', `No environment with id ${params.id}`);
        clients.forget(params.id);
        return updated;
      },
      {
        access: 'environments:update',
        params: EnvironmentIdParams,
        body: EnvironmentUpdateBody,
        response: {
          200: EnvironmentSchema,
          400: ErrorSchema,
          403: ErrorSchema,
          404: ErrorSchema,
          409: ErrorSchema,
        },
        detail: { summary: 'Change an environment', tags },
      },
    )
    .delete(
      '/:id',
      async ({ params, set }) => {
        if (!(await environments.remove(params.id))) {
          throw new HttpError(404, 'ENVIRONMENT_NOT_FOUND', `No environment with id ${params.id}`);
        }
        clients.forget(params.id);
        set.status = 204;
      },
      {
        access: 'environments:delete',
        params: EnvironmentIdParams,
        response: { 204: t.Void(), 404: ErrorSchema },
        detail: { summary: 'Remove an environment', tags },
      },
    )
    .post(
      '/:id/test',
      async ({ params }) => {
        const environment = await requireEnvironment(environments, params.id);
        // Saved before addresses were checked, or a name that resolves elsewhere since.
        if (environment.type !== 'local-socket') {
          await assertReachableHost(parseHostPort(environment.address).host);
        }
        const version = await (await clients.clientFor(environment)).version();
        return { engineVersion: version.Version, apiVersion: version.ApiVersion };
      },
      {
        access: 'environments:read',
        params: EnvironmentIdParams,
        response: {
          200: ConnectionTestSchema,
          400: ErrorSchema,
          404: ErrorSchema,
          502: ErrorSchema,
          504: ErrorSchema,
        },
        detail: {
          summary:
            "Test the connection: the engine's version, or the daemon's error (nothing of another service's answer)",
          tags,
        },
      },
    );
}

function tlsPresence(tls: EnvironmentInput['tls']) {
  return { ca: Boolean(tls?.ca), cert: Boolean(tls?.cert), key: Boolean(tls?.key) };
}

/** On update an omitted part keeps its current state and "" clears it. */
function mergeTlsPresence(current: Environment['tls'], patch: EnvironmentInput['tls']) {
  const part = (name: keyof Environment['tls']) =>
    patch?.[name] === undefined ? current[name] : Boolean(patch[name]);
  return { ca: part('ca'), cert: part('cert'), key: part('key') };
}
