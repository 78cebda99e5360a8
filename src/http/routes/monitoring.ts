// Monitoring: the history of a host or a container for charts (15 minutes to 30 days, at the
// resolution the range needs) and the all-environments overview for the dashboard.
import { Elysia, t } from 'elysia';
import { can } from '../../auth/principal.ts';
import type { MetricsCollector } from '../../monitoring/collector.ts';
import { type MetricHistoryReader, RANGE_NAMES, type RangeName } from '../../monitoring/history-query.ts';
import { overviewOf } from '../../monitoring/overview.ts';
import type { EnvironmentStore } from '../../store/environments.ts';
import type { UpdateStore } from '../../store/updates.ts';
import type { AccessControl } from '../access.ts';
import { HttpError } from '../errors.ts';
import { EnvironmentIdParams, ErrorSchema } from '../schemas.ts';
import { requireEnvironment } from './environments.ts';

export interface MonitoringRouteDeps {
  access: AccessControl;
  environments: EnvironmentStore;
  collector: MetricsCollector;
  history: MetricHistoryReader;
  updates: UpdateStore;
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

export function monitoringRoutes({ access, environments, collector, history, updates }: MonitoringRouteDeps) {
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
        if (!principal) throw new HttpError(401, 'UNAUTHENTICATED', 'Log in first');
        const readable = (await environments.list()).filter((environment) =>
          can(principal, 'containers:read', environment.id),
        );
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
        access: 'authenticated',
        response: { 200: MonitoringOverviewSchema, ...failures },
        detail: {
          summary:
            'Every environment the caller may read: host usage, container counts, updates waiting; the busiest containers and the stacks needing attention',
          tags,
        },
      },
    );
}
