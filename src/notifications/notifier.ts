// The one way other modules tell people something: `notifier.notify(event)`, or a digest for a
// schedule run (`const digest = notifier.digest('Update check on local')`, `digest.notify(...)`
// per container, `digest.close()` at the end: one message per channel instead of one per
// container). Delivery happens in the background, so a failing channel never blocks the work
// that triggered it; each attempt is logged, retried with backoff when it may help, held during
// a channel's quiet hours (critical events excepted) and sent as one message when they end.
import type { Logger } from '../daemon/logger.ts';
import type { NotificationChannelStore } from '../store/notification-channels.ts';
import type { NotificationChannel, NotificationDelivery } from '../store/records.ts';
import { CHANNEL_KINDS, DeliveryError, type OutgoingMessage } from './channel-kinds.ts';
import { type NotificationEvent, SEVERITIES, type Severity, severityRank } from './events.ts';
import { quietUntil } from './quiet-hours.ts';

export interface NotifierOptions {
  /** Waits before the 2nd, 3rd ... attempt of a delivery that may succeed later. */
  retryDelaysMs?: number[];
  /** Delivery log entries older than this go (default 30 days). */
  logRetentionDays?: number;
}

const DEFAULT_RETRY_DELAYS_MS = [5_000, 30_000, 120_000];
const MAX_RETRY_AFTER_MS = 10 * 60_000;

export class Notifier {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly retryDelaysMs: number[];
  private readonly logRetentionDays: number;
  private heldTimer?: ReturnType<typeof setTimeout>;
  private stopped = false;

  constructor(
    private readonly channels: NotificationChannelStore,
    private readonly logger: Logger,
    options: NotifierOptions = {},
  ) {
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.logRetentionDays = options.logRetentionDays ?? 30;
  }

  /** Tells every channel that wants it; returns at once. */
  notify(event: NotificationEvent): void {
    this.track(this.dispatch([event]));
  }

  /** Collects events of one run; `close()` sends them, one message per channel with digests on. */
  digest(subject: string): NotificationDigest {
    return new NotificationDigest(subject, (events) => {
      if (events.length > 0) this.track(this.dispatch(events, subject));
    });
  }

  /** Sends a test message to one channel now, without retries; the outcome is logged too. */
  async test(channel: NotificationChannel): Promise<{ ok: boolean; error?: string }> {
    const message: OutgoingMessage = {
      event: 'test',
      severity: 'info',
      title: `Test message for ${channel.name}`,
      text: 'Windflow can reach this channel. Notifications will arrive here.',
      events: [],
    };
    const id = await this.channels.addDelivery({ ...this.logFields(channel, message), status: 'pending' });
    try {
      await this.send(channel, message);
      await this.channels.updateDelivery(id, { status: 'sent', attempts: 1 });
      return { ok: true };
    } catch (error) {
      const reason = (error as Error).message;
      await this.channels.updateDelivery(id, { status: 'failed', attempts: 1, lastError: reason });
      return { ok: false, error: reason };
    }
  }

  /** Resumes what a previous run left: held messages, and deliveries a stop cut short. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.channels
      .purgeDeliveriesBefore(new Date(Date.now() - this.logRetentionDays * 86_400_000))
      .catch((error: unknown) => this.logger.warn('could not purge the delivery log', { error }));
    const channels = new Map((await this.channels.list()).map((channel) => [channel.id, channel]));
    for (const delivery of await this.channels.unfinished()) {
      const channel = channels.get(delivery.channelId);
      if (!channel || delivery.status === 'held') continue;
      this.track(this.deliver(channel, messageOf(delivery), [delivery.id], delivery.attempts + 1));
    }
    await this.armHeldTimer();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.heldTimer);
    await this.idle();
  }

  /** Resolves when every delivery under way (retries included) has ended. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track(work: Promise<void>): void {
    const tracked = work
      .catch((error: unknown) => this.logger.error('notification dispatch failed', { error }))
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private async dispatch(events: NotificationEvent[], subject?: string): Promise<void> {
    for (const channel of await this.channels.list()) {
      if (!channel.enabled) continue;
      const wanted = events.filter(
        (event) =>
          channel.events.includes(event.type) &&
          severityRank(event.severity) >= severityRank(channel.minSeverity as Severity),
      );
      if (wanted.length === 0) continue;
      const messages =
        subject && channel.digest && wanted.length > 1
          ? [digestMessage(subject, wanted)]
          : wanted.map(singleMessage);
      for (const message of messages) await this.enqueue(channel, message);
    }
  }

  private async enqueue(channel: NotificationChannel, message: OutgoingMessage): Promise<void> {
    const until = message.severity === 'critical' ? undefined : quietUntil(channel.quietHours);
    if (until) {
      await this.channels.addDelivery({
        ...this.logFields(channel, message),
        status: 'held',
        notBefore: until.toISOString(),
      });
      await this.armHeldTimer();
      return;
    }
    const id = await this.channels.addDelivery({ ...this.logFields(channel, message), status: 'pending' });
    await this.deliver(channel, message, [id], 1);
  }

  /** Attempts a delivery, logging each try under `ids`, and retries with backoff when that may help. */
  private async deliver(
    channel: NotificationChannel,
    message: OutgoingMessage,
    ids: number[],
    attempt: number,
  ): Promise<void> {
    const record = (change: Parameters<NotificationChannelStore['updateDelivery']>[1]) =>
      Promise.all(ids.map((id) => this.channels.updateDelivery(id, change)));
    for (let current = attempt; ; current++) {
      try {
        await this.send(channel, message);
        await record({ status: 'sent', attempts: current });
        return;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        const retryable = !(error instanceof DeliveryError) || error.retryable;
        const delay = this.retryDelaysMs[current - 1];
        if (!retryable || delay === undefined || this.stopped) {
          await record({ status: 'failed', attempts: current, lastError: reason });
          this.logger.warn('a notification could not be delivered', { channel: channel.name, reason });
          return;
        }
        const wait =
          error instanceof DeliveryError && error.retryAfterSeconds
            ? Math.min(Math.max(error.retryAfterSeconds * 1000, delay), MAX_RETRY_AFTER_MS)
            : delay;
        await record({
          status: 'retrying',
          attempts: current,
          lastError: reason,
          notBefore: new Date(Date.now() + wait).toISOString(),
        });
        await Bun.sleep(wait);
        if (this.stopped) return; // picked up again at the next start
      }
    }
  }

  private async send(channel: NotificationChannel, message: OutgoingMessage): Promise<void> {
    const kind = CHANNEL_KINDS.get(channel.kind);
    if (!kind) throw new DeliveryError(`unknown channel kind ${channel.kind}`, false);
    await kind.send(message, {
      settings: channel.settings,
      secrets: await this.channels.secrets(channel.id),
    });
  }

  /** One timer for every held message: it fires when the earliest quiet window ends. */
  private async armHeldTimer(): Promise<void> {
    clearTimeout(this.heldTimer);
    if (this.stopped) return;
    const held = (await this.channels.unfinished()).filter((delivery) => delivery.status === 'held');
    const earliest = Math.min(...held.map((delivery) => Date.parse(delivery.notBefore ?? '')));
    if (!Number.isFinite(earliest)) return;
    this.heldTimer = setTimeout(() => this.track(this.releaseHeld()), Math.max(earliest - Date.now(), 0));
    this.heldTimer.unref?.();
  }

  /** Sends what quiet hours held, as one message per channel. */
  private async releaseHeld(): Promise<void> {
    const now = Date.now();
    const due = (await this.channels.unfinished()).filter(
      (delivery) => delivery.status === 'held' && Date.parse(delivery.notBefore ?? '') <= now,
    );
    const channels = new Map((await this.channels.list()).map((channel) => [channel.id, channel]));
    const byChannel = Map.groupBy(due, (delivery) => delivery.channelId);
    for (const [channelId, deliveries] of byChannel) {
      const channel = channels.get(channelId);
      if (!channel) continue;
      const message =
        deliveries.length === 1 ? messageOf(deliveries[0] as NotificationDelivery) : heldMessage(deliveries);
      const ids = deliveries.map((delivery) => delivery.id);
      await Promise.all(
        ids.map((id) => this.channels.updateDelivery(id, { status: 'pending', attempts: 0 })),
      );
      this.track(this.deliver(channel, message, ids, 1));
    }
    await this.armHeldTimer();
  }

  private logFields(channel: NotificationChannel, message: OutgoingMessage) {
    return {
      channelId: channel.id,
      event: message.event,
      severity: message.severity,
      title: message.title,
      message: message.text,
      eventCount: Math.max(message.events.length, 1),
    };
  }
}

export class NotificationDigest {
  private readonly events: NotificationEvent[] = [];
  private closed = false;

  constructor(
    readonly subject: string,
    private readonly flush: (events: NotificationEvent[]) => void,
  ) {}

  notify(event: NotificationEvent): void {
    if (this.closed) throw new Error('this digest was closed');
    this.events.push(event);
  }

  /** Hands the collected events over for delivery; returns at once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flush(this.events.splice(0));
  }
}

function describeEvent(event: NotificationEvent): string {
  const where = [event.environment && `environment ${event.environment}`, event.target]
    .filter(Boolean)
    .join(' · ');
  return [event.message, where].filter(Boolean).join('\n');
}

function singleMessage(event: NotificationEvent): OutgoingMessage {
  return {
    event: event.type,
    severity: event.severity,
    title: event.title,
    text: describeEvent(event),
    events: [event],
  };
}

function highest(severities: string[]): Severity {
  return (
    SEVERITIES[Math.max(...severities.map((severity) => severityRank(severity as Severity)), 0)] ?? 'info'
  );
}

function digestMessage(subject: string, events: NotificationEvent[]): OutgoingMessage {
  return {
    event: 'digest',
    severity: highest(events.map((event) => event.severity)),
    title: `${subject}: ${events.length} events`,
    text: events.map((event) => `• ${event.title}${event.message ? ` — ${event.message}` : ''}`).join('\n'),
    events,
  };
}

function messageOf(delivery: NotificationDelivery): OutgoingMessage {
  return {
    event: delivery.event,
    severity: delivery.severity as Severity,
    title: delivery.title,
    text: delivery.message,
    events: [],
  };
}

function heldMessage(deliveries: NotificationDelivery[]): OutgoingMessage {
  return {
    event: 'digest',
    severity: highest(deliveries.map((delivery) => delivery.severity)),
    title: `${deliveries.length} messages held during quiet hours`,
    text: deliveries
      .map((delivery) => `• ${delivery.title}${delivery.message ? ` — ${delivery.message}` : ''}`)
      .join('\n'),
    events: [],
  };
}
