import { Elysia, t } from 'elysia';
import type { AgentHub } from '../../agents/agent-hub.ts';
import { CLOSED_HOST_POLICY } from '../../docker/host-powers.ts';
import type { DockerClientPool } from '../../environments/client-pool.ts';
import { parseAgentAddress, parseHostPort } from '../../environments/endpoint.ts';
import type { AgentStore } from '../../store/agents.ts';
import type { EnvironmentStore } from '../../store/environments.ts';
import {
  type AgentStatus,
  type Environment,
  type EnvironmentInput,
  isAgentKind,
} from '../../store/records.ts';
import type { AccessControl } from '../access.ts';
import { publicUrl } from '../client-context.ts';
import { assertReachableHost, assertValidEnvironment } from '../environment-rules.ts';
import { HttpError } from '../errors.ts';
import { assertMayChangeHostPolicy, normalizeHostPolicy, samePolicy } from '../host-access.ts';
import {
  AgentConnectionEventSchema,
  ConnectionTestSchema,
  EdgeEnrolmentSchema,
  EnvironmentCreateBody,
  EnvironmentCreatedSchema,
  EnvironmentIdParams,
  EnvironmentSchema,
  EnvironmentUpdateBody,
  ErrorSchema,
} from '../schemas.ts';
import { eventStreamResponse } from '../server-sent-events.ts';

export interface EnvironmentRouteDeps {
  access: AccessControl;
  environments: EnvironmentStore;
  clients: DockerClientPool;
  /** No environment's socket may point into it. */
  dataDir?: string;
  agents: AgentHub;
  agentStore: AgentStore;
}

const tags = ['environments'];

export async function requireEnvironment(environments: EnvironmentStore, id: number): Promise<Environment> {
  const environment = await environments.get(id);
  if (!environment) throw new HttpError(404, 'ENVIRONMENT_NOT_FOUND', `No environment with id ${id}`);
  return environment;
}

export function environmentRoutes({
  access,
  environments,
  clients,
  dataDir,
  agents,
  agentStore,
}: EnvironmentRouteDeps) {
  /** The environment with its agent's state, for agent kinds. */
  const withAgent = async (environment: Environment): Promise<Environment> => {
    if (!isAgentKind(environment.type)) return environment;
    return { ...environment, agent: await agentStatus(environment, agentStore, agents) };
  };
  const enrol = async (environment: Environment, request: Request) => {
    const token = await agentStore.issueEdgeToken(environment.id);
    return edgeEnrolment(environment, token, request);
  };

  return new Elysia({ prefix: '/api/environments' })
    .use(access)
    .get('/', async () => Promise.all((await environments.list()).map(withAgent)), {
      access: 'environments:read',
      response: t.Array(EnvironmentSchema),
      detail: { summary: 'List environments', tags },
    })
    .post(
      '/',
      async ({ body, set, request, principal }) => {
        await assertValidEnvironment(
          { type: body.type, address: body.address, tls: tlsPresence(body.tls) },
          { dataDir },
        );
        if (body.type === 'hawser-standard' && !body.agentToken)
          throw new HttpError(400, 'VALIDATION', 'a hawser-standard environment needs the agent token');
        const hostPolicy = normalizeHostPolicy(body.hostPolicy ?? CLOSED_HOST_POLICY);
        if (!samePolicy(hostPolicy, CLOSED_HOST_POLICY)) assertMayChangeHostPolicy(principal, undefined);
        const created = await environments.create({
          ...body,
          hostPolicy,
          address: body.type === 'edge' ? '' : body.address,
        });
        set.status = 201;
        if (created.type === 'hawser-standard')
          await agentStore.setStandardToken(created.id, body.agentToken as string);
        const enrolment = created.type === 'edge' ? await enrol(created, request) : undefined;
        return { ...(await withAgent(created)), ...(enrolment ? { enrolment } : {}) };
      },
      {
        access: 'environments:create',
        body: EnvironmentCreateBody,
        response: { 201: EnvironmentCreatedSchema, 400: ErrorSchema, 403: ErrorSchema, 409: ErrorSchema },
        detail: { summary: 'Add an environment', tags },
      },
    )
    .get('/:id', async ({ params }) => withAgent(await requireEnvironment(environments, params.id)), {
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
        if (
          (body.type ?? current.type) !== current.type &&
          (isAgentKind(current.type) || isAgentKind(body.type ?? current.type))
        )
          throw new HttpError(
            400,
            'VALIDATION',
            'an environment cannot change to or from an agent kind: add a new one',
          );
        const hostPolicy = body.hostPolicy && normalizeHostPolicy(body.hostPolicy);
        if (hostPolicy && !samePolicy(hostPolicy, current.hostPolicy)) {
          assertMayChangeHostPolicy(principal, params.id);
        }
        const updated = await environments.update(params.id, { ...body, hostPolicy });
        if (!updated)
          throw new HttpError(404, 'ENVIRONMENT_NOT_FOUND', `No environment with id ${params.id}`);
        if (updated.type === 'hawser-standard' && body.agentToken)
          await agentStore.setStandardToken(updated.id, body.agentToken);
        clients.forget(params.id);
        return withAgent(updated);
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
        agents.disconnect(params.id, 'the environment was removed');
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
        if (environment.type === 'hawser-standard') {
          await assertReachableHost(parseAgentAddress(environment.address).host);
        } else if (environment.type !== 'local-socket' && environment.type !== 'edge') {
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
    )
    .post(
      '/:id/agent/token',
      async ({ params, request }) => {
        const environment = await requireEnvironment(environments, params.id);
        if (environment.type !== 'edge')
          throw new HttpError(
            409,
            'NOT_AN_EDGE_ENVIRONMENT',
            'Only edge environments have agent tokens to issue',
          );
        const enrolment = await enrol(environment, request);
        agents.disconnect(environment.id, 'its token was replaced');
        return enrolment;
      },
      {
        access: 'environments:update',
        params: EnvironmentIdParams,
        response: { 200: EdgeEnrolmentSchema, 404: ErrorSchema, 409: ErrorSchema },
        detail: {
          summary: 'Issue a new edge token: the old one stops working and its agent is disconnected',
          tags,
        },
      },
    )
    .delete(
      '/:id/agent/token',
      async ({ params, set }) => {
        const environment = await requireEnvironment(environments, params.id);
        if (!(await agentStore.revokeEdgeToken(environment.id)))
          throw new HttpError(404, 'NO_AGENT_TOKEN', 'This environment has no edge token to revoke');
        agents.disconnect(environment.id, 'its token was revoked');
        set.status = 204;
      },
      {
        access: 'environments:update',
        params: EnvironmentIdParams,
        response: { 204: t.Void(), 404: ErrorSchema },
        detail: { summary: 'Revoke the edge token: its agent is disconnected and refused from now on', tags },
      },
    )
    .get(
      '/agent-events',
      () =>
        eventStreamResponse(async function* (signal) {
          for await (const environmentId of agents.changes(signal)) {
            const environment = await environments.get(environmentId);
            if (environment && isAgentKind(environment.type))
              yield { data: { environmentId, agent: await agentStatus(environment, agentStore, agents) } };
          }
        }),
      {
        access: 'environments:read',
        detail: {
          summary:
            'Agent states as server-sent events: {environmentId, agent} each time an agent connects, drops or reports a new latency',
          tags,
        },
      },
    )
    .get(
      '/:id/agent/history',
      async ({ params }) => {
        await requireEnvironment(environments, params.id);
        return agentStore.history(params.id);
      },
      {
        access: 'environments:read',
        params: EnvironmentIdParams,
        response: { 200: t.Array(AgentConnectionEventSchema), 404: ErrorSchema },
        detail: { summary: 'Connections, disconnections and refusals of the agent, newest first', tags },
      },
    );
}

async function agentStatus(environment: Environment, store: AgentStore, hub: AgentHub): Promise<AgentStatus> {
  const record = await store.get(environment.id);
  const live = hub.live(environment.id);
  const kind = environment.type as AgentStatus['kind'];
  return {
    kind,
    connected: kind === 'edge' ? live.connected : false,
    tokenHint: record?.tokenHint || null,
    agentId: record?.agentId ?? null,
    agentName: record?.agentName ?? null,
    agentVersion: record?.agentVersion ?? null,
    protocolVersion: record?.protocolVersion ?? null,
    dockerVersion: record?.dockerVersion ?? null,
    hostname: record?.hostname ?? null,
    capabilities: record?.capabilities ?? [],
    extras: live.extras,
    connectedAt: record?.connectedAt ?? null,
    lastSeenAt: live.lastFrameAt ?? record?.lastSeenAt ?? null,
    latencyMs: live.latencyMs,
  };
}

/** The token and the one-line commands that start an agent on the remote host. */
function edgeEnrolment(environment: Environment, token: string, request: Request) {
  // As the browser reaches Windflow: its scheme, host and a proxy's path prefix.
  const serverUrl = publicUrl(request, '/api/hawser/connect').replace(/^http/, 'ws');
  const name = environment.name.replace(/[^A-Za-z0-9._-]/g, '-');
  return {
    token,
    serverUrl,
    commands: {
      windflow: `windflow agent --server ${serverUrl} --token ${token}`,
      hawser: `docker run -d --name hawser --restart unless-stopped -v /var/run/docker.sock:/var/run/docker.sock -e DOCKHAND_SERVER_URL=${serverUrl} -e TOKEN=${token} -e AGENT_NAME=${name} ghcr.io/finsys/hawser:latest`,
    },
  };
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
