// Notification channels, their kinds and the delivery log.
import type { ChannelField } from '../../src/notifications/channel-kinds.ts';
import type { NotificationEventType, Severity } from '../../src/notifications/events.ts';
import type {
  NotificationChannel,
  NotificationChannelInput,
  NotificationDelivery,
} from '../../src/store/records.ts';
import { call } from './api';

export type { NotificationChannel, NotificationChannelInput, NotificationDelivery };

export interface NotificationCatalogue {
  kinds: { kind: string; label: string; fields: ChannelField[] }[];
  events: { event: NotificationEventType; label: string }[];
  severities: Severity[];
}

const one = (id: number) => `api/notifications/channels/${id}`;

export const notificationsApi = {
  catalogue: () => call<NotificationCatalogue>('GET', 'api/notifications/kinds'),
  channels: () => call<NotificationChannel[]>('GET', 'api/notifications/channels'),
  create: (input: NotificationChannelInput) =>
    call<NotificationChannel>('POST', 'api/notifications/channels', input),
  update: (id: number, input: Partial<NotificationChannelInput>) =>
    call<NotificationChannel>('PATCH', one(id), input),
  remove: (id: number) => call<void>('DELETE', one(id)),
  test: (id: number) => call<{ ok: boolean }>('POST', `${one(id)}/test`),
  deliveries: (channelId?: number) =>
    call<NotificationDelivery[]>(
      'GET',
      `api/notifications/deliveries${channelId ? `?channelId=${channelId}` : ''}`,
    ),
};
