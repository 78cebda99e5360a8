// One environment's disk usage, the clean-up (preview, then prune), and the live events feed.
import { Elysia, t } from 'elysia';
import { cleanupPreview, diskUsage, engineEvents, prune, summarizeDiskUsage } from '../../docker/system.ts';
import type { DockerEvent } from '../../docker/types.ts';
import { PRUNE_KINDS } from '../../docker/views.ts';
import type { DockerClientPool } from '../../environments/client-pool.ts';
import type { EnvironmentStore } from '../../store/environments.ts';
import type { AccessControl } from '../access.ts';
import { EnvironmentIdParams, ErrorSchema, isFlagSet, QueryFlag } from '../schemas.ts';
import { eventStreamResponse, type ServerSentEvent } from '../server-sent-events.ts';
import { requireEnvironment } from './environments.ts';

export interface SystemRouteDeps {
  access: AccessControl;
  environments: EnvironmentStore;
  clients: DockerClientPool;
}

/** "key" or "key=value", as the Engine's label filters take it. */
export const LabelFilter = t.String({
  pattern: '^[A-Za-z0-9._/-]{1,128}(=[^\\n]{0,256})?$',
  description: 'only objects with this label: key or key=value',
});

const tags = ['system'];
const failures = { 400: ErrorSchema, 404: ErrorSchema, 502: ErrorSchema, 504: ErrorSchema };

const KindUsage = t.Object({
  count: t.Integer(),
  active: t.Integer(),
  size: t.Number(),
  reclaimable: t.Number(),
});
const DiskUsageSchema = t.Object(
  {
    images: KindUsage,
    containers: KindUsage,
    volumes: KindUsage,
    buildCache: KindUsage,
    total: t.Object({ size: t.Number(), reclaimable: t.Number() }),
  },
  { title: 'DiskUsage' },
);
const PruneKindSchema = t.Union(PRUNE_KINDS.map((kind) => t.Literal(kind)));
const PreviewKind = t.Object({
  items: t.Array(t.Object({ id: t.String(), name: t.String(), size: t.Number() })),
  reclaimable: t.Number(),
});
const PruneOutcome = t.Object({ deleted: t.Array(t.String()), spaceReclaimed: t.Number() });
const CommaList = (description: string) =>
  t.Optional(
    t.String({ pattern: '^[A-Za-z0-9_.:/ -]*(,[A-Za-z0-9_.:/ -]*)*$', maxLength: 512, description }),
  );

export function systemRoutes({ access, environments, clients }: SystemRouteDeps) {
  const clientOf = async (id: number) => clients.clientFor(await requireEnvironment(environments, id));

  return new Elysia({ prefix: '/api/environments/:id/system' })
    .use(access)
    .get('/df', async ({ params }) => summarizeDiskUsage(await diskUsage(await clientOf(params.id))), {
      access: 'containers:read',
      params: EnvironmentIdParams,
      response: { 200: DiskUsageSchema, ...failures },
      detail: {
        summary: 'Disk usage by kind (images, containers, volumes, build cache) with what is reclaimable',
        tags,
      },
    })
    .get(
      '/cleanup',
      async ({ params, query }) =>
        cleanupPreview(await clientOf(params.id), {
          allImages: isFlagSet(query.allImages),
          label: query.label,
        }),
      {
        access: 'system:read',
        params: EnvironmentIdParams,
        query: t.Object({
          allImages: QueryFlag('every unused image, not only dangling ones'),
          label: t.Optional(LabelFilter),
        }),
        response: {
          200: t.Object(Object.fromEntries(PRUNE_KINDS.map((kind) => [kind, PreviewKind])), {
            title: 'CleanupPreview',
          }),
          ...failures,
        },
        detail: { summary: 'What a clean-up would remove, kind by kind (removes nothing)', tags },
      },
    )
    .post(
      '/cleanup',
      async ({ params, body }) =>
        prune(await clientOf(params.id), body.kinds, { allImages: body.allImages, label: body.label }),
      {
        access: 'system:prune',
        params: EnvironmentIdParams,
        body: t.Object({
          kinds: t.Array(PruneKindSchema, { minItems: 1, uniqueItems: true }),
          allImages: t.Optional(t.Boolean({ description: 'every unused image, not only dangling ones' })),
          label: t.Optional(LabelFilter),
        }),
        response: {
          200: t.Object(Object.fromEntries(PRUNE_KINDS.map((kind) => [kind, t.Optional(PruneOutcome)])), {
            title: 'CleanupResult',
          }),
          ...failures,
        },
        detail: {
          summary: 'Prune the selected kinds; answers what went and the space reclaimed per kind',
          tags,
        },
      },
    )
    .get(
      '/events',
      async ({ params, query }) => {
        const client = await clientOf(params.id);
        await client.ping();
        const split = (value: string | undefined) =>
          value
            ?.split(',')
            .map((item) => item.trim())
            .filter(Boolean);
        const filters = {
          type: split(query.type),
          action: split(query.action),
          container: split(query.container),
        };
        // Events since the start of this second, so none is lost while the feed connects.
        const since = Math.floor(Date.now() / 1000);
        return eventStreamResponse((signal) => asMessages(engineEvents(client, filters, signal, since)));
      },
      {
        access: 'containers:read',
        params: EnvironmentIdParams,
        query: t.Object({
          type: CommaList('event types, comma-separated: container, image, volume, network…'),
          action: CommaList('actions, comma-separated: start, die, create, destroy…'),
          container: CommaList('container ids or names, comma-separated'),
        }),
        response: failures,
        detail: {
          summary: "The Engine's live events as Server-Sent Events (one JSON event per message)",
          tags,
        },
      },
    );
}

async function* asMessages(events: AsyncIterable<DockerEvent>): AsyncGenerator<ServerSentEvent> {
  for await (const event of events) yield { id: String(event.timeNano), data: event };
}
