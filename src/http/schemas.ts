// Request and response schemas shared by the routes; they validate at the edge and feed the
// OpenAPI document.
import { t } from 'elysia';
import { OPENABLE_HOST_POWERS } from '../docker/host-powers.ts';

/** A yes/no query parameter: `1`/`0` as the Engine API writes them, or `true`/`false`. */
export const QueryFlag = (description?: string) =>
  t.Optional(
    t.Union([t.Literal('1'), t.Literal('0'), t.Literal('true'), t.Literal('false')], {
      ...(description ? { description } : {}),
    }),
  );

/** A QueryFlag's value; `fallback` when it is absent. */
export const isFlagSet = (flag: string | undefined, fallback = false): boolean =>
  flag === undefined ? fallback : flag === '1' || flag === 'true';

export const ErrorSchema = t.Object({ code: t.String(), message: t.String() }, { title: 'Error' });

export const EnvironmentIdParams = t.Object({ id: t.Integer({ minimum: 1 }) });

/** The error answers a route acting on an environment's Docker objects can give. */
export const ENVIRONMENT_ROUTE_FAILURES = {
  400: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  409: ErrorSchema,
  502: ErrorSchema,
  504: ErrorSchema,
};

const EnvironmentType = t.Union([
  t.Literal('local-socket'),
  t.Literal('tcp'),
  t.Literal('tcp-tls'),
  t.Literal('hawser-standard'),
  t.Literal('edge'),
]);

const Nullable = <T extends Parameters<typeof t.Nullable>[0]>(schema: T) => t.Nullable(schema);

export const AgentStatusSchema = t.Object(
  {
    kind: t.Union([t.Literal('hawser-standard'), t.Literal('edge')]),
    connected: t.Boolean(),
    tokenHint: Nullable(t.String()),
    agentId: Nullable(t.String()),
    agentName: Nullable(t.String()),
    agentVersion: Nullable(t.String()),
    protocolVersion: Nullable(t.String()),
    dockerVersion: Nullable(t.String()),
    hostname: Nullable(t.String()),
    capabilities: t.Array(t.String()),
    extras: t.Array(t.String()),
    connectedAt: Nullable(t.String()),
    lastSeenAt: Nullable(t.String()),
    latencyMs: Nullable(t.Number()),
  },
  { title: 'AgentStatus' },
);

export const AgentConnectionEventSchema = t.Object({
  event: t.Union([t.Literal('connected'), t.Literal('disconnected'), t.Literal('refused')]),
  detail: t.String(),
  remoteAddress: Nullable(t.String()),
  at: t.String(),
});

export const EdgeEnrolmentSchema = t.Object(
  {
    token: t.String({ description: 'shown once; only its hash is kept' }),
    serverUrl: t.String({ description: 'the WebSocket URL the agent dials' }),
    commands: t.Object({
      windflow: t.String({ description: 'run Windflow itself as the agent' }),
      hawser: t.String({ description: 'run the Hawser agent (Docker)' }),
    }),
  },
  { title: 'EdgeEnrolment' },
);

const Labels = t.Record(t.String({ pattern: '^[A-Za-z0-9._/-]{1,63}$' }), t.String({ maxLength: 256 }), {
  description: 'free-form key=value tags, e.g. site=paris',
});

const Pem = t.String({ maxLength: 32_768, description: 'PEM text' });

export const HostPolicySchema = t.Object(
  {
    allowedBindPaths: t.Array(
      t.String({
        pattern: '^/[^\\x00-\\x1f\\x7f]*$',
        maxLength: 4096,
        error: 'an allowed bind path is an absolute host path, e.g. /srv/apps',
      }),
      { maxItems: 100 },
    ),
    openPowers: t.Array(t.UnionEnum(OPENABLE_HOST_POWERS), {
      uniqueItems: true,
    }),
  },
  {
    description:
      'what people without host:access may use here: bind mounts under these host paths, and these powers (the Docker socket never)',
  },
);

export const EnvironmentSchema = t.Object(
  {
    id: t.Integer(),
    name: t.String(),
    type: EnvironmentType,
    address: t.String(),
    labels: t.Record(t.String(), t.String()),
    tls: t.Object(
      { ca: t.Boolean(), cert: t.Boolean(), key: t.Boolean() },
      { description: 'which parts are set' },
    ),
    hostPolicy: HostPolicySchema,
    createdAt: t.String(),
    updatedAt: t.String(),
    agent: t.Optional(AgentStatusSchema),
  },
  { title: 'Environment' },
);

export const EnvironmentCreatedSchema = t.Composite([
  EnvironmentSchema,
  t.Object({ enrolment: t.Optional(EdgeEnrolmentSchema) }),
]);

const environmentFields = {
  name: t.String({
    pattern: '^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}$',
    error:
      'name must be 1-63 letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit',
  }),
  type: EnvironmentType,
  address: t.String({
    maxLength: 512,
    pattern: '^[^\\x00-\\x1f\\x7f]*$',
    error: 'an address is a socket path or host:port, on one line',
    description:
      'socket path for local-socket, host:port for tcp and tcp-tls, [https://]host:port for hawser-standard, empty for edge',
  }),
  agentToken: t.Optional(
    t.String({
      minLength: 1,
      maxLength: 512,
      description: "hawser-standard: the agent's TOKEN (write-only)",
    }),
  ),
  labels: t.Optional(Labels),
  tls: t.Optional(
    t.Object(
      { ca: t.Optional(Pem), cert: t.Optional(Pem), key: t.Optional(Pem) },
      { description: 'on update: omit a part to keep it, send "" to clear it' },
    ),
  ),
  hostPolicy: t.Optional(HostPolicySchema),
};

export const EnvironmentCreateBody = t.Object(environmentFields);
export const EnvironmentUpdateBody = t.Partial(t.Object(environmentFields));

export const ConnectionTestSchema = t.Object({ engineVersion: t.String(), apiVersion: t.String() });

export const EnvironmentInfoSchema = t.Object(
  {
    engine: t.Object({
      kind: t.Union([t.Literal('docker'), t.Literal('podman')]),
      name: t.String(),
      version: t.String(),
      apiVersion: t.String(),
      os: t.String(),
      arch: t.String(),
      kernelVersion: t.String(),
      cpus: t.Integer(),
      memoryBytes: t.Number(),
    }),
    counts: t.Object({
      containers: t.Object({
        total: t.Integer(),
        running: t.Integer(),
        paused: t.Integer(),
        stopped: t.Integer(),
      }),
      images: t.Integer(),
      volumes: t.Integer(),
      networks: t.Integer(),
    }),
  },
  { title: 'EnvironmentInfo' },
);

/** Engine list answers are passed through as the daemon gives them (API v1.41+ shapes). */
export const ContainerListQuery = t.Object({
  all: QueryFlag('stopped containers too'),
});
