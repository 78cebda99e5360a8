// Notification channels: their kinds and fields, CRUD (secret settings are write-only), a test
// message, and the delivery log.
import { Elysia, t } from 'elysia';
import { completeChannelInput } from '../../notifications/channel-input.ts';
import { CHANNEL_KINDS } from '../../notifications/channel-kinds.ts';
import { EVENT_LABELS, NOTIFICATION_EVENTS, SEVERITIES } from '../../notifications/events.ts';
import type { Notifier } from '../../notifications/notifier.ts';
import type { SelfAddress } from '../../notifications/self-address.ts';
import type { NotificationChannelStore } from '../../store/notification-channels.ts';
import type { AccessControl } from '../access.ts';
import { HttpError } from '../errors.ts';
import { ErrorSchema } from '../schemas.ts';

export interface NotificationRouteDeps {
  access: AccessControl;
  notificationChannels: NotificationChannelStore;
  notifier: Notifier;
  /** Ports Windflow listens on, filled in once it listens. */
  listeningPorts: number[];
}

const tags = ['notifications'];
const failures = { 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 502: ErrorSchema };
const IdParams = t.Object({ id: t.Integer({ minimum: 1 }) });
const QuietHoursSchema = t.Object({
  start: t.String({ description: 'HH:MM' }),
  end: t.String({ description: 'HH:MM' }),
  timezone: t.String(),
});
const ChannelSchema = t.Object(
  {
    id: t.Integer(),
    name: t.String(),
    kind: t.String(),
    enabled: t.Boolean(),
    settings: t.Record(t.String(), t.String()),
    secretsSet: t.Array(t.String()),
    events: t.Array(t.String()),
    minSeverity: t.String(),
    digest: t.Boolean(),
    quietHours: t.Nullable(QuietHoursSchema),
    createdAt: t.String(),
    updatedAt: t.String(),
  },
  { title: 'NotificationChannel' },
);
const fields = {
  name: t.String({ minLength: 1, maxLength: 100 }),
  enabled: t.Optional(t.Boolean()),
  settings: t.Optional(
    t.Record(t.String(), t.String({ maxLength: 16_000 }), {
      description: 'by name; a CA certificate (PEM, a chain of several) is the longest',
    }),
  ),
  secrets: t.Optional(
    t.Record(t.String(), t.String({ maxLength: 4000 }), {
      description: 'write-only; on update a name left out keeps its value, "" clears it',
    }),
  ),
  events: t.Optional(t.Array(t.String(), { maxItems: 20 })),
  minSeverity: t.Optional(t.String()),
  digest: t.Optional(t.Boolean({ description: 'one message per schedule run instead of one per event' })),
  quietHours: t.Optional(t.Nullable(QuietHoursSchema)),
};
const DeliveryQuery = t.Object({
  channelId: t.Optional(t.Integer({ minimum: 1 })),
  beforeId: t.Optional(t.Integer({ minimum: 1 })),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 500 })),
});

export function notificationRoutes({
  access,
  notificationChannels,
  notifier,
  listeningPorts,
}: NotificationRouteDeps) {
  const selfFor = (request: Request): SelfAddress => ({
    hosts: [request.headers.get('host') ?? '', new URL(request.url).host].filter(Boolean),
    ports: listeningPorts,
  });
  const requireChannel = async (id: number) => {
    const channel = await notificationChannels.get(id);
    if (!channel) throw new HttpError(404, 'CHANNEL_NOT_FOUND', `No notification channel ${id}`);
    return channel;
  };

  return new Elysia({ prefix: '/api/notifications' })
    .use(access)
    .get(
      '/kinds',
      () => ({
        kinds: [...CHANNEL_KINDS.values()].map(({ kind, label, fields }) => ({ kind, label, fields })),
        events: NOTIFICATION_EVENTS.map((event) => ({ event, label: EVENT_LABELS[event] })),
        severities: [...SEVERITIES],
      }),
      {
        access: 'notifications:read',
        detail: { summary: 'Channel kinds with their settings, the events and the severities', tags },
      },
    )
    .get('/channels', () => notificationChannels.list(), {
      access: 'notifications:read',
      response: { 200: t.Array(ChannelSchema) },
      detail: { summary: 'Notification channels (secret settings only as "set")', tags },
    })
    .post(
      '/channels',
      async ({ body, request, set }) => {
        const channel = await notificationChannels.create(completeChannelInput(body, selfFor(request)));
        set.status = 201;
        return channel;
      },
      {
        access: 'notifications:manage',
        body: t.Object({ kind: t.String({ minLength: 1, maxLength: 32 }), ...fields }),
        response: { 201: ChannelSchema, ...failures },
        detail: { summary: 'Add a channel; its secrets are sealed at rest', tags },
      },
    )
    .patch(
      '/channels/:id',
      async ({ params, body, request }) => {
        const channel = await requireChannel(params.id);
        const secrets = await notificationChannels.secrets(params.id);
        const next = completeChannelInput({ ...body, kind: channel.kind }, selfFor(request), {
          channel,
          secrets,
        });
        const updated = await notificationChannels.update(params.id, next);
        if (!updated) throw new HttpError(404, 'CHANNEL_NOT_FOUND', `No notification channel ${params.id}`);
        return updated;
      },
      {
        access: 'notifications:manage',
        params: IdParams,
        body: t.Partial(t.Object(fields)),
        response: { 200: ChannelSchema, ...failures },
        detail: { summary: 'Change a channel (its kind stays)', tags },
      },
    )
    .delete(
      '/channels/:id',
      async ({ params, set }) => {
        if (!(await notificationChannels.remove(params.id)))
          throw new HttpError(404, 'CHANNEL_NOT_FOUND', `No notification channel ${params.id}`);
        set.status = 204;
      },
      {
        access: 'notifications:manage',
        params: IdParams,
        response: { 204: t.Void(), ...failures },
        detail: { summary: 'Delete a channel and its delivery log', tags },
      },
    )
    .post(
      '/channels/:id/test',
      async ({ params }) => {
        const outcome = await notifier.test(await requireChannel(params.id));
        if (!outcome.ok) throw new HttpError(502, 'CHANNEL_TEST_FAILED', outcome.error ?? 'The test failed');
        return { ok: true };
      },
      {
        access: 'notifications:manage',
        params: IdParams,
        response: { 200: t.Object({ ok: t.Boolean() }), ...failures },
        detail: { summary: 'Send a test message now; a failure says what the service answered', tags },
      },
    )
    .get('/deliveries', ({ query }) => notificationChannels.deliveries(query), {
      access: 'notifications:read',
      query: DeliveryQuery,
      detail: { summary: 'The delivery log, newest first (page with beforeId)', tags },
    });
}
