// Evaluates the alert rules as things happen: the Engine's events of every environment (exits,
// health, restarts), the monitoring readings (thresholds) and the links to environments and
// agents (unreachable). Nothing polls: an event or a reading moves a rule's state, and the few
// "if nothing happens for N seconds" decisions share one timer (Deadlines).
//
// What counts as an unexpected stop: a `die` that no stop asked for. Docker reports a stop
// (Windflow's, `docker stop`, `docker restart`, a stack going down) as `kill`, `die`, then `stop`;
// a crash, an out-of-memory kill or a `docker kill` has no `stop` after the `die`. A `die` is
// therefore decided when the next `start` comes or, at the latest, two seconds later, and fires
// when its exit code is not 0 or the kernel killed it for memory. A clean exit (code 0: a
// one-shot task that finished) is not an alert; a container removed resolves its alerts.
//
// Hysteresis: a threshold alert fires once the reading stays above the threshold for the rule's
// duration, and resolves only once it stays below (threshold − margin) for its resolve period;
// an exited container's alert resolves once it has run again for the resolve period, a restart
// loop's after a whole window without a restart, an unreachable environment's after it has been
// reachable for the resolve period. Going bad again before that keeps the alert as it is.
import type { AgentHub } from '../../agents/agent-hub.ts';
import type { Logger } from '../../daemon/logger.ts';
import type { DockerEvent } from '../../docker/types.ts';
import type { DockerClientPool } from '../../environments/client-pool.ts';
import type { NotificationEvent } from '../../notifications/events.ts';
import type { Notifier } from '../../notifications/notifier.ts';
import type { AlertStore, StoredAlert } from '../../store/alerts.ts';
import type { EnvironmentStore } from '../../store/environments.ts';
import type { EngineEventStreams } from '../engine-events.ts';
import type { ReadingsBatch, ReadingsFeed } from '../readings.ts';
import { type Alert, type AlertKind, type AlertRule, ENVIRONMENT_KINDS } from './alert-rules.ts';
import { Deadlines } from './deadlines.ts';

/** How long a `die` waits for the `stop` that says a person asked for it. */
const EXIT_GRACE_MS = 2_000;
/** Resolved alerts are kept this long. */
const HISTORY_DAYS = 90;
const COMPOSE_PROJECT = 'com.docker.compose.project';
/** A live view slower than this many changes misses the oldest; it reloads on reconnection. */
const MAX_QUEUED_CHANGES = 1_000;

export interface AlertEngineDeps {
  store: AlertStore;
  environments: EnvironmentStore;
  clients: DockerClientPool;
  notifier: Notifier;
  events: EngineEventStreams;
  readings: ReadingsFeed;
  agents: AgentHub;
  logger: Logger;
}

interface Subject {
  environmentId: number;
  /** The container's name; '' for the environment itself. */
  name: string;
  stack: string | null;
}

interface FiringEntry {
  rule: AlertRule;
  subject: Subject;
  /** Set once the store has it; writes are queued in order, so a resolve always finds it. */
  alert?: StoredAlert;
}

interface PendingExit {
  subject: Subject;
  exitCode: number;
  oom: boolean;
}

export class AlertEngine {
  private rules: AlertRule[] = [];
  private readonly firing = new Map<string, FiringEntry>();
  private readonly thresholds = new Map<string, { aboveSince?: number; clearSince?: number }>();
  /** By environment and container id: a `die` waiting to learn whether a stop asked for it. */
  private readonly pendingExits = new Map<string, PendingExit>();
  /** By environment and container id: died without a stop, so its next start is a restart. */
  private readonly crashed = new Set<string>();
  private readonly oomKilled = new Set<string>();
  /** By environment and container name: recent restarts (epoch ms), newest last. */
  private readonly restarts = new Map<string, number[]>();
  private readonly down = new Set<number>();
  private readonly deadlines = new Deadlines();
  private writes: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void)[] = [];
  private readonly watchers = new Set<(alert: Alert) => void>();

  constructor(private readonly deps: AlertEngineDeps) {}

  async start(): Promise<void> {
    const { store, events, readings, agents, logger } = this.deps;
    await store
      .purgeResolvedBefore(new Date(Date.now() - HISTORY_DAYS * 86_400_000))
      .catch((error: unknown) => logger.warn('could not purge the alert history', { error }));
    this.rules = await store.rules();
    const rules = new Map(this.rules.map((rule) => [rule.id, rule]));
    for (const alert of await store.firing()) {
      const rule = alert.ruleId === null ? undefined : rules.get(alert.ruleId);
      const subject = { environmentId: alert.environmentId, name: alert.subject, stack: alert.stack };
      if (rule) this.firing.set(keyOf(rule, subject), { rule, subject, alert });
      else await store.resolve(alert.id, 'its rule was deleted', new Date().toISOString());
    }
    this.unsubscribe = [
      events.subscribe({
        event: (environmentId, event) => this.onEngineEvent(environmentId, event),
        link: (environmentId, up, reason) => {
          this.setReachable(environmentId, up, reason);
          if (up) this.queue(() => this.reconcile(environmentId));
        },
        removed: (environmentId) => this.forgetEnvironment(environmentId),
      }),
      readings.subscribe((batch) => this.onReadings(batch)),
      agents.onChange(({ environmentId, connected }) => {
        this.setReachable(environmentId, connected, connected ? 'agent connected' : 'the agent disconnected');
        if (connected) events.reconnect(environmentId);
      }),
    ];
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    this.unsubscribe = [];
    this.deadlines.clear();
    await this.idle();
  }

  /** Resolves once every alert change so far is in the store and handed to the notifier. */
  async idle(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.writes;
      await current;
    } while (current !== this.writes);
  }

  /** Takes the store's rules again after a change; the changed rule's alerts resolve. */
  async rulesChanged(changedRuleId: number): Promise<void> {
    this.rules = await this.deps.store.rules();
    const prefix = `${changedRuleId}|`;
    for (const [key, entry] of [...this.firing]) {
      if (entry.rule.id === changedRuleId) this.resolve(key, 'the rule was changed or deleted');
    }
    for (const key of [...this.thresholds.keys()]) if (key.startsWith(prefix)) this.thresholds.delete(key);
    for (const slot of ['down', 'up', 'settle', 'loop']) this.deadlines.cancelPrefixed(`${slot}:${prefix}`);
    const rule = this.rules.find((each) => each.id === changedRuleId);
    if (!rule?.enabled) return;
    if (rule.kind === 'container-unhealthy') {
      const environments =
        rule.environmentId === null
          ? (await this.deps.environments.list()).map((environment) => environment.id)
          : [rule.environmentId];
      // An environment that cannot be reached now is reconciled when its stream opens again.
      await Promise.allSettled(environments.map((id) => this.reconcile(id)));
    }
    if (rule.kind === 'environment-unreachable') for (const id of this.down) this.armUnreachable(rule, id);
  }

  /** A silence changed: only who is told changes, so the rule is swapped in place. */
  ruleSilenced(rule: AlertRule): void {
    this.rules = this.rules.map((each) => (each.id === rule.id ? rule : each));
    for (const entry of this.firing.values()) if (entry.rule.id === rule.id) entry.rule = rule;
  }

  /** Each alert as it fires, resolves or is acknowledged, until `signal` aborts (for live views). */
  async *changes(signal: AbortSignal): AsyncGenerator<Alert> {
    const queue: Alert[] = [];
    let wake = () => {};
    const watcher = (alert: Alert) => {
      if (queue.length < MAX_QUEUED_CHANGES) queue.push(alert);
      wake();
    };
    this.watchers.add(watcher);
    const stop = () => wake();
    signal.addEventListener('abort', stop);
    try {
      while (!signal.aborted) {
        const next = queue.shift();
        if (next) yield next;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      this.watchers.delete(watcher);
      signal.removeEventListener('abort', stop);
    }
  }

  /** Someone acknowledged an alert: live views show it. */
  acknowledged(alert: Alert): void {
    this.changed(alert);
  }

  private changed(alert: Alert): void {
    const { notified: _notified, ...shown } = alert as Alert & { notified?: boolean };
    for (const watcher of this.watchers) watcher(shown);
  }

  // --- the Engine's events

  private onEngineEvent(environmentId: number, event: DockerEvent): void {
    if (event.Type !== 'container') return;
    const attributes = event.Actor?.Attributes ?? {};
    const id = event.Actor?.ID ?? '';
    const subject: Subject = {
      environmentId,
      name: attributes.name ?? id.slice(0, 12),
      stack: attributes[COMPOSE_PROJECT] ?? null,
    };
    const exitKey = `${environmentId}|${id}`;
    switch (event.Action) {
      case 'oom':
        this.oomKilled.add(exitKey);
        return;
      case 'die': {
        this.pendingExits.set(exitKey, {
          subject,
          exitCode: Number(attributes.exitCode ?? 0),
          oom: this.oomKilled.delete(exitKey),
        });
        this.deadlines.set(`exit:${exitKey}`, Date.now() + EXIT_GRACE_MS, () => this.decideExit(exitKey));
        for (const key of this.firingKeys(subject, 'container-exited'))
          this.deadlines.cancel(`settle:${key}`);
        for (const key of this.firingKeys(subject, 'container-unhealthy'))
          this.resolve(key, 'the container stopped');
        return;
      }
      case 'stop':
        this.pendingExits.delete(exitKey);
        this.crashed.delete(exitKey);
        this.deadlines.cancel(`exit:${exitKey}`);
        return;
      case 'start': {
        if (this.pendingExits.has(exitKey)) this.decideExit(exitKey);
        if (this.crashed.delete(exitKey)) this.countRestart(subject);
        for (const key of this.firingKeys(subject, 'container-exited')) {
          const entry = this.firing.get(key) as FiringEntry;
          const after = (entry.rule.params.resolveAfterSeconds ?? 0) * 1000;
          this.deadlines.set(`settle:${key}`, Date.now() + after, () =>
            this.resolve(key, 'the container is running again'),
          );
        }
        return;
      }
      case 'health_status: unhealthy':
        for (const rule of this.matching('container-unhealthy', subject))
          this.fire(rule, subject, `${subject.name} is unhealthy`, null);
        return;
      case 'health_status: healthy':
        for (const key of this.firingKeys(subject, 'container-unhealthy'))
          this.resolve(key, 'the container is healthy again');
        return;
      case 'destroy':
        this.pendingExits.delete(exitKey);
        this.deadlines.cancel(`exit:${exitKey}`);
        this.crashed.delete(exitKey);
        this.forgetContainer(subject);
        return;
    }
  }

  /** A `die` no stop followed: counted for restart loops, and an alert unless it exited cleanly. */
  private decideExit(exitKey: string): void {
    const pending = this.pendingExits.get(exitKey);
    if (!pending) return;
    this.pendingExits.delete(exitKey);
    this.deadlines.cancel(`exit:${exitKey}`);
    this.crashed.add(exitKey);
    const { subject, exitCode, oom } = pending;
    if (exitCode === 0 && !oom) return;
    const why = oom ? ' (out of memory)' : (EXIT_REASONS[exitCode] ?? '');
    for (const rule of this.matching('container-exited', subject))
      this.fire(rule, subject, `${subject.name} stopped unexpectedly: exit code ${exitCode}${why}`, exitCode);
  }

  private countRestart(subject: Subject): void {
    const now = Date.now();
    const key = `${subject.environmentId}|${subject.name}`;
    const times = (this.restarts.get(key) ?? []).filter((at) => now - at < 86_400_000).slice(-999);
    times.push(now);
    this.restarts.set(key, times);
    for (const rule of this.matching('restart-loop', subject)) {
      const windowMs = (rule.params.windowSeconds ?? 600) * 1000;
      const count = times.filter((at) => now - at <= windowMs).length;
      const alertKey = keyOf(rule, subject);
      if (count >= (rule.params.restarts ?? 3))
        this.fire(
          rule,
          subject,
          `${subject.name} restarted ${count} times in ${describeSeconds(windowMs / 1000)}`,
          count,
        );
      if (this.firing.has(alertKey))
        this.deadlines.set(`loop:${alertKey}`, now + windowMs, () =>
          this.resolve(alertKey, `no restart for ${describeSeconds(windowMs / 1000)}`),
        );
    }
  }

  /** After a (re)connection: alerts about containers that changed while nobody watched. */
  private async reconcile(environmentId: number): Promise<void> {
    const environment = await this.deps.environments.get(environmentId);
    if (!environment) return;
    const client = await this.deps.clients.clientFor(environment);
    const containers = await client.listContainers({ all: true }).catch((error: unknown) => {
      // Gone again already: the next connection reconciles.
      this.deps.logger.debug('could not list containers to reconcile alerts', { environmentId, error });
    });
    if (!containers) return;
    const byName = new Map(containers.map((container) => [nameOf(container.Names), container]));
    for (const [key, entry] of [...this.firing]) {
      if (entry.subject.environmentId !== environmentId || ENVIRONMENT_KINDS.has(entry.rule.kind)) continue;
      const container = byName.get(entry.subject.name);
      if (!container) this.resolve(key, 'the container was removed');
      else if (entry.rule.kind === 'container-unhealthy' && !container.Status.includes('(unhealthy)'))
        this.resolve(key, 'the container is no longer unhealthy');
      else if (entry.rule.kind === 'container-exited' && container.State === 'running')
        this.resolve(key, 'the container is running again');
    }
    for (const container of containers) {
      if (!container.Status.includes('(unhealthy)')) continue;
      const subject = {
        environmentId,
        name: nameOf(container.Names),
        stack: container.Labels?.[COMPOSE_PROJECT] ?? null,
      };
      for (const rule of this.matching('container-unhealthy', subject))
        this.fire(rule, subject, `${subject.name} is unhealthy`, null);
    }
  }

  // --- readings

  private onReadings(batch: ReadingsBatch): void {
    const { environmentId, at } = batch;
    if (!batch.reachable) {
      this.setReachable(environmentId, false, 'the monitoring collection could not reach it');
      return;
    }
    this.setReachable(environmentId, true, 'collected');
    for (const container of batch.containers) {
      const subject = { environmentId, name: container.name, stack: container.stack };
      const running = container.state === 'running';
      for (const rule of this.matching('cpu', subject)) {
        const value = running ? container.cpuPercent : 0;
        this.threshold(rule, subject, value, at, `${subject.name} CPU at ${value.toFixed(0)}%`);
      }
      for (const rule of this.matching('memory', subject)) {
        const value =
          running && container.memoryLimitBytes > 0
            ? (container.memoryBytes / container.memoryLimitBytes) * 100
            : 0;
        this.threshold(
          rule,
          subject,
          value,
          at,
          `${subject.name} memory at ${value.toFixed(0)}% of its limit`,
        );
      }
    }
    if (batch.host && batch.host.diskTotalBytes > 0) {
      const value = (batch.host.diskUsedBytes / batch.host.diskTotalBytes) * 100;
      const subject = { environmentId, name: '', stack: null };
      for (const rule of this.matching('host-disk', subject))
        this.threshold(rule, subject, value, at, `host disk ${value.toFixed(0)}% used`);
    }
  }

  private threshold(rule: AlertRule, subject: Subject, value: number, at: number, summary: string): void {
    const key = keyOf(rule, subject);
    const { threshold = 90, durationSeconds = 0, margin = 0, resolveAfterSeconds = 0 } = rule.params;
    const state = this.thresholds.get(key) ?? {};
    this.thresholds.set(key, state);
    if (this.firing.has(key)) {
      state.aboveSince = undefined;
      if (value >= threshold - margin) {
        state.clearSince = undefined;
        return;
      }
      state.clearSince ??= at;
      if (at - state.clearSince >= resolveAfterSeconds * 1000) {
        this.thresholds.delete(key);
        this.resolve(key, `${summary}, below ${threshold - margin}%`);
      }
      return;
    }
    if (value <= threshold) {
      this.thresholds.delete(key); // nothing to remember about a subject that is fine
      return;
    }
    state.clearSince = undefined;
    state.aboveSince ??= at;
    if (at - state.aboveSince >= durationSeconds * 1000) {
      const held = durationSeconds > 0 ? ` for ${describeSeconds(durationSeconds)}` : '';
      this.fire(rule, subject, `${summary}, above ${threshold}%${held}`, value);
    }
  }

  // --- reachability

  private setReachable(environmentId: number, reachable: boolean, reason: string): void {
    const subject = { environmentId, name: '', stack: null };
    if (!reachable) {
      if (this.down.has(environmentId)) return;
      this.down.add(environmentId);
      for (const rule of this.matching('environment-unreachable', subject)) {
        this.deadlines.cancel(`up:${keyOf(rule, subject)}`);
        this.armUnreachable(rule, environmentId, reason);
      }
      return;
    }
    this.down.delete(environmentId);
    for (const rule of this.matching('environment-unreachable', subject)) {
      const key = keyOf(rule, subject);
      this.deadlines.cancel(`down:${key}`);
      if (this.firing.has(key) && !this.deadlines.has(`up:${key}`))
        this.deadlines.set(`up:${key}`, Date.now() + (rule.params.resolveAfterSeconds ?? 0) * 1000, () =>
          this.resolve(key, 'reachable again'),
        );
    }
  }

  private armUnreachable(rule: AlertRule, environmentId: number, reason = 'unreachable'): void {
    const subject = { environmentId, name: '', stack: null };
    const key = keyOf(rule, subject);
    if (this.firing.has(key) || this.deadlines.has(`down:${key}`)) return;
    const waitMs = (rule.params.durationSeconds ?? 0) * 1000;
    this.deadlines.set(`down:${key}`, Date.now() + waitMs, () =>
      this.fire(rule, subject, `unreachable for ${describeSeconds(waitMs / 1000)}: ${reason}`, null),
    );
  }

  // --- firing and resolving

  private fire(rule: AlertRule, subject: Subject, summary: string, value: number | null): void {
    const key = keyOf(rule, subject);
    if (this.firing.has(key)) return;
    const entry: FiringEntry = { rule, subject };
    this.firing.set(key, entry);
    this.queue(async () => {
      const notified = !isSilenced(rule);
      entry.alert = await this.deps.store.addAlert({
        rule,
        environmentId: subject.environmentId,
        subject: subject.name,
        stack: subject.stack,
        summary,
        value,
        notified,
        firedAt: new Date().toISOString(),
      });
      this.changed(entry.alert);
      if (notified) this.deps.notifier.notify(await this.notification(entry.alert, 'firing'));
    });
  }

  private resolve(key: string, resolution: string): void {
    const entry = this.firing.get(key);
    if (!entry) return;
    this.firing.delete(key);
    for (const slot of ['down', 'up', 'settle', 'loop']) this.deadlines.cancel(`${slot}:${key}`);
    this.queue(async () => {
      if (!entry.alert) return;
      const resolved = await this.deps.store.resolve(entry.alert.id, resolution, new Date().toISOString());
      if (resolved) this.changed(resolved);
      if (resolved?.notified && !isSilenced(entry.rule))
        this.deps.notifier.notify(await this.notification(resolved, 'resolved'));
    });
  }

  private async notification(alert: StoredAlert, state: 'firing' | 'resolved'): Promise<NotificationEvent> {
    const environment = await this.deps.environments.get(alert.environmentId);
    const where = alert.subject || environment?.name || `environment ${alert.environmentId}`;
    return {
      type: 'alert',
      severity: alert.severity,
      title: state === 'firing' ? `Alert: ${alert.summary}` : `Resolved: ${alert.ruleName} on ${where}`,
      message:
        state === 'firing'
          ? `Rule "${alert.ruleName}" fired at ${alert.firedAt}.`
          : `${alert.resolution ?? 'Resolved'} (fired at ${alert.firedAt}: ${alert.summary}).`,
      environment: environment?.name,
      target: alert.subject || undefined,
      at: state === 'firing' ? alert.firedAt : (alert.resolvedAt ?? undefined),
      data: {
        alertId: alert.id,
        ruleId: alert.ruleId,
        rule: alert.ruleName,
        kind: alert.kind,
        state,
        environmentId: alert.environmentId,
        subject: alert.subject,
        stack: alert.stack,
        value: alert.value,
        summary: alert.summary,
      },
    };
  }

  private queue(write: () => Promise<void>): void {
    this.writes = this.writes
      .then(write)
      .catch((error: unknown) => this.deps.logger.error('could not record an alert', { error }));
  }

  // --- matching and bookkeeping

  private matching(kind: AlertKind, subject: Subject): AlertRule[] {
    return this.rules.filter(
      (rule) =>
        rule.enabled &&
        rule.kind === kind &&
        (rule.environmentId === null || rule.environmentId === subject.environmentId) &&
        (ENVIRONMENT_KINDS.has(kind) ||
          ((rule.stack === null || rule.stack === subject.stack) &&
            (rule.container === null || rule.container === subject.name))),
    );
  }

  private firingKeys(subject: Subject, kind: AlertKind): string[] {
    return [...this.firing]
      .filter(
        ([, entry]) =>
          entry.rule.kind === kind &&
          entry.subject.environmentId === subject.environmentId &&
          entry.subject.name === subject.name,
      )
      .map(([key]) => key);
  }

  private forgetContainer(subject: Subject): void {
    for (const [key, entry] of [...this.firing]) {
      if (entry.subject.environmentId === subject.environmentId && entry.subject.name === subject.name)
        this.resolve(key, 'the container was removed');
    }
    const suffix = `|${subject.environmentId}|${subject.name}`;
    for (const key of [...this.thresholds.keys()]) if (key.endsWith(suffix)) this.thresholds.delete(key);
    this.restarts.delete(`${subject.environmentId}|${subject.name}`);
  }

  private forgetEnvironment(environmentId: number): void {
    for (const [key, entry] of [...this.firing])
      if (entry.subject.environmentId === environmentId) this.resolve(key, 'the environment was removed');
    this.down.delete(environmentId);
    for (const key of [...this.thresholds.keys()])
      if (key.split('|')[1] === String(environmentId)) this.thresholds.delete(key);
    for (const key of [...this.restarts.keys()])
      if (key.startsWith(`${environmentId}|`)) this.restarts.delete(key);
  }
}

const EXIT_REASONS: Record<number, string> = {
  137: ' (killed)',
  143: ' (terminated)',
  139: ' (segmentation fault)',
  134: ' (aborted)',
};

function keyOf(rule: AlertRule, subject: Subject): string {
  return `${rule.id}|${subject.environmentId}|${subject.name}`;
}

function nameOf(names: string[]): string {
  return (names[0] ?? '').replace(/^\//, '');
}

function isSilenced(rule: AlertRule): boolean {
  return rule.silencedUntil !== null && Date.parse(rule.silencedUntil) > Date.now();
}

function describeSeconds(seconds: number): string {
  if (seconds % 3600 === 0 && seconds >= 3600) return `${seconds / 3600} h`;
  if (seconds % 60 === 0 && seconds >= 60) return `${seconds / 60} min`;
  return `${seconds} s`;
}
