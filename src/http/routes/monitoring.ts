// Monitoring: the history of a host or a container for charts (15 minutes to 30 days, at the
// resolution the range needs), the all-environments overview for the dashboard, the Engine's
// events history and its live stream, and GET /metrics for Prometheus.
import { Elysia, t } from 'elysia';
import type { Permission } from '../../auth/permissions.ts';
import { can, type Principal } from '../../auth/principal.ts';
import type { RangeName } from '../../docker/views.ts';
import type { MetricsCollector } from '../../monitoring/collector.ts';
import type { EventHistory } from '../../monitoring/event-history.ts';
import { type MetricHistoryReader, RANGE_NAMES } from '../../monitoring/history-query.ts';
import { overviewOf } from '../../monitoring/overview.ts';
import { exposition, PROMETHEUS_CONTENT_TYPE } from '../../monitoring/prometheus.ts';
import { type EngineEventStore, matchesFilters } from '../../store/engine-events.ts';
import type { EnvironmentStore } from '../../store/environments.ts';
import type { UpdateStore } from '../../store/updates.ts';
import type { AccessControl } from '../access.ts';
import { HttpError } from '../errors.ts';
import { EnvironmentIdParams, ErrorSchema } from '../schemas.ts';
import { eventStreamResponse } from '../server-sent-events.ts';
import { requireEnvironment } from './environments.ts';

export interface MonitoringRouteDeps {
  access: AccessControl;
  environments: EnvironmentStore;
  collector: MetricsCollector;
  history: MetricHistoryReader;
  updates: UpdateStore;
  engineEventStore: EngineEventStore;
  eventHistory: EventHistory;
  version: string;
}

const tags = ['monitoring'];
const failures = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema };
const RangeQuery = t.Object({
  range: t.Optional(
    t.Union(
      RANGE_NAMES.map((name) => t.Literal(name)),
      { description: `how far back: ${RANGE_NAMES.join(', ')} (default 1h)` },
    ),
  ),
});

const Numbers = t.Array(t.Number());
const NullableNumbers = t.Array(t.Nullable(t.Number()));
export const MetricHistorySchema = t.Object(
  {
    range: t.String(),
    stepSeconds: t.Integer({ description: 'seconds each point stands for (an average over them)' }),
    from: t.Integer(),
    to: t.Integer(),
    columns: t.Object({
      at: Numbers,
      cpu: Numbers,
      memory: Numbers,
      memoryLimit: Numbers,
      rx: Numbers,
      tx: Numbers,
      ioRead: Numbers,
      ioWrite: Numbers,
      disk: NullableNumbers,
      diskTotal: NullableNumbers,
      restarts: NullableNumbers,
    }),
  },
  {
    title: 'MetricHistory',
    description:
      'Columns for charts: unix seconds, CPU % (of one core for a container, of the host for a host), bytes, and bytes per second for rx/tx/ioRead/ioWrite',
  },
);

const HostSchema = t.Object({
  environmentId: t.Integer(),
  at: t.Number(),
  cpuPercent: t.Number(),
  memoryUsedBytes: t.Number(),
  memoryTotalBytes: t.Number(),
  diskUsedBytes: t.Number(),
  diskTotalBytes: t.Number(),
  networkRxBytes: t.Number(),
  networkTxBytes: t.Number(),
});

export const MonitoringOverviewSchema = t.Object(
  {
    environments: t.Array(
      t.Object({
        id: t.Integer(),
        name: t.String(),
        type: t.String(),
        reachable: t.Nullable(t.Boolean()),
        at: t.Nullable(t.Number()),
        host: t.Nullable(HostSchema),
        containers: t.Object({
          total: t.Integer(),
          running: t.Integer(),
          unhealthy: t.Integer(),
          restarting: t.Integer(),
          stopped: t.Integer(),
        }),
        updatesAvailable: t.Integer(),
      }),
    ),
    busiest: t.Array(
      t.Object({
        environmentId: t.Integer(),
        environment: t.String(),
        containerId: t.String(),
        name: t.String(),
        stack: t.Nullable(t.String()),
        cpuPercent: t.Number(),
        memoryBytes: t.Number(),
        memoryLimitBytes: t.Number(),
      }),
    ),
    stacks: t.Array(
      t.Object({
        environmentId: t.Integer(),
        environment: t.String(),
        stack: t.String(),
        containers: t.Integer(),
        running: t.Integer(),
        reasons: t.Array(t.String()),
      }),
    ),
  },
  { title: 'MonitoringOverview' },
);

const EngineEventSchema = t.Object(
  {
    id: t.Integer(),
    environmentId: t.Integer(),
    at: t.Number({ description: 'milliseconds since the epoch' }),
    type: t.String(),
    action: t.String(),
    actorId: t.String(),
    name: t.Nullable(t.String()),
    stack: t.Nullable(t.String()),
    service: t.Nullable(t.String()),
    attributes: t.Record(t.String(), t.String()),
  },
  { title: 'EngineEvent' },
);

const Filter = (description: string) => t.Optional(t.String({ maxLength: 255, description }));
const EventFilters = {
  environmentId: t.Optional(t.Integer({ minimum: 1 })),
  container: Filter('a container name, or the start of its id'),
  stack: Filter('a Compose project name'),
  type: Filter('container, image, network, volume…'),
  action: Filter('start, die, health_status: unhealthy…'),
  q: Filter('words in the name, action or attributes'),
};
/** A live client this many events behind is dropped (a few MB); it reconnects and reloads. */
const MAX_LIVE_BACKLOG = 5_000;

export function monitoringRoutes({
  access,
  environments,
  collector,
  history,
  updates,
  engineEventStore,
  eventHistory,
  version,
}: MonitoringRouteDeps) {
  /** The environments on which the caller holds `permission`. */
  const readableBy = async (principal: Principal | undefined, permission: Permission) => {
    if (!principal) throw new HttpError(401, 'UNAUTHENTICATED', 'Log in first');
    return (await environments.list()).filter((environment) => can(principal, permission, environment.id));
  };
  const rangeOf = (query: { range?: string }) => (query.range ?? '1h') as RangeName;
  return new Elysia()
    .use(access)
    .get(
      '/api/environments/:id/metrics/host',
      async ({ params, query }) => {
        await requireEnvironment(environments, params.id);
        return history.read(params.id, '', rangeOf(query));
      },
      {
        access: 'environments:read',
        params: EnvironmentIdParams,
        query: RangeQuery,
        response: { 200: MetricHistorySchema, ...failures },
        detail: {
          summary:
            "The host's CPU, memory, disk and network over a range (empty where the host's figures are not available)",
          tags,
        },
      },
    )
    .get(
      '/api/environments/:id/metrics/containers/:name',
      async ({ params, query }) => {
        await requireEnvironment(environments, params.id);
        return history.read(params.id, params.name, rangeOf(query));
      },
      {
        access: 'containers:read',
        params: t.Object({ id: t.Integer({ minimum: 1 }), name: t.String({ minLength: 1, maxLength: 255 }) }),
        query: RangeQuery,
        response: { 200: MetricHistorySchema, ...failures },
        detail: {
          summary:
            "A container's CPU, memory, network and block I/O over a range, by its name (its history survives being recreated)",
          tags,
        },
      },
    )
    .get(
      '/api/monitoring/overview',
      async ({ principal }) => {
        const readable = await readableBy(principal, 'containers:read');
        return overviewOf(
          await Promise.all(
            readable.map(async (environment) => ({
              environment,
              batch: collector.latest(environment.id),
              updatesAvailable: [...(await updates.checks(environment.id)).values()].filter(
                (check) => check.status === 'available',
              ).length,
            })),
          ),
        );
      },
      {
        access: 'containers:read',
        response: { 200: MonitoringOverviewSchema, ...failures },
        detail: {
          summary:
            'Every environment the caller may read: host usage, container counts, updates waiting; the busiest containers and the stacks needing attention',
          tags,
        },
      },
    )
    .get(
      '/api/events/history',
      async ({ principal, query }) => {
        const readable = (await readableBy(principal, 'containers:read')).map(
          (environment) => environment.id,
        );
        return engineEventStore.search({
          environmentIds:
            query.environmentId === undefined
              ? readable
              : readable.filter((id) => id === query.environmentId),
          container: query.container,
          stack: query.stack,
          type: query.type,
          action: query.action,
          text: query.q,
          before: query.before,
          limit: query.limit,
        });
      },
      {
        access: 'containers:read',
        query: t.Object({
          ...EventFilters,
          before: t.Optional(
            t.Integer({ minimum: 0, description: 'only events before this time (ms): the next page' }),
          ),
          limit: t.Optional(t.Integer({ minimum: 1, maximum: 500, default: 100 })),
        }),
        response: { 200: t.Array(EngineEventSchema), ...failures },
        detail: {
          summary:
            "The Engine's events of the environments the caller may read, newest first (kept 30 days by default)",
          tags,
        },
      },
    )
    .get(
      '/api/events/live',
      async ({ principal, query }) => {
        if (!principal) throw new HttpError(401, 'UNAUTHENTICATED', 'Log in first');
        const caller = principal;
        const filters = { ...query, text: query.q };
        return eventStreamResponse(
          async function* (signal) {
            for await (const event of eventHistory.live(signal))
              if (
                (query.environmentId === undefined || event.environmentId === query.environmentId) &&
                can(caller, 'containers:read', event.environmentId) &&
                matchesFilters(event, filters)
              )
                yield { event: 'event', data: event };
          },
          { maxBacklog: MAX_LIVE_BACKLOG },
        );
      },
      {
        access: 'containers:read',
        query: t.Object(EventFilters),
        detail: {
          summary:
            "Server-sent events: each Engine event as the history keeps it (an `event` message with the history's record), of the environments the caller may read, with the history's filters",
          tags,
        },
      },
    )
    .get(
      '/metrics',
      async () => {
        const all = await environments.list();
        const text = exposition({
          environments: all.map((environment) => ({ environment, batch: collector.latest(environment.id) })),
          version,
          engineCalls: collector.engineCalls,
        });
        return new Response(text, { headers: { 'content-type': PROMETHEUS_CONTENT_TYPE } });
      },
      {
        access: 'metrics:scrape',
        response: { 401: ErrorSchema, 403: ErrorSchema },
        detail: {
          summary:
            "Every environment's host and containers and Windflow's own process in the Prometheus text format (a token with metrics:scrape)",
          tags,
        },
      },
    );
}
