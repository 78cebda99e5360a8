// Everything the HTTP layer and the jobs use, built once from the open store.

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentHub, type HubOptions } from '../agents/agent-hub.ts';
import { Authenticator } from '../auth/authenticator.ts';
import { VolumeHelpers } from '../docker/volume-helper.ts';
import { DockerClientPool } from '../environments/client-pool.ts';
import { GitStacks } from '../git/git-stacks.ts';
import { GitStore } from '../git/git-store.ts';
import { recordJobEnd } from '../http/audit-trail.ts';
import { imagePruneKind } from '../jobs/image-prune-schedule.ts';
import { JobRegistry } from '../jobs/job-registry.ts';
import { UsageFeeds } from '../jobs/usage-feeds.ts';
import { AlertEngine } from '../monitoring/alerts/alert-engine.ts';
import { DEFAULT_INTERVAL_MS, MetricsCollector } from '../monitoring/collector.ts';
import { type EngineEventOptions, EngineEventStreams } from '../monitoring/engine-events.ts';
import { EventHistory } from '../monitoring/event-history.ts';
import { MetricHistoryReader } from '../monitoring/history-query.ts';
import { monitoringHistoryKind } from '../monitoring/history-schedule.ts';
import { ReadingsFeed } from '../monitoring/readings.ts';
import { Notifier, type NotifierOptions } from '../notifications/notifier.ts';
import { imageScanKind } from '../scanning/scan-schedule.ts';
import { ScanService } from '../scanning/scan-service.ts';
import { Scheduler } from '../scheduler/scheduler.ts';
import { StackService } from '../stacks/stack-service.ts';
import { StackStore } from '../stacks/stack-store.ts';
import { AgentStore } from '../store/agents.ts';
import { AlertStore } from '../store/alerts.ts';
import { ApiTokenStore } from '../store/api-tokens.ts';
import { AuditLog } from '../store/audit-log.ts';
import { AuthProviderStore } from '../store/auth-providers.ts';
import { EngineEventStore } from '../store/engine-events.ts';
import { EnvironmentStore } from '../store/environments.ts';
import { ImageScanStore } from '../store/image-scans.ts';
import { JobStore } from '../store/jobs.ts';
import { MetricStore } from '../store/metrics.ts';
import { NotificationChannelStore } from '../store/notification-channels.ts';
import { RecoveryCodeStore } from '../store/recovery-codes.ts';
import { RegistryStore } from '../store/registries.ts';
import { RoleStore } from '../store/roles.ts';
import { ScheduleStore } from '../store/schedules.ts';
import { type SessionLifetimes, SessionStore } from '../store/sessions.ts';
import { SettingsStore } from '../store/settings.ts';
import { UpdateStore } from '../store/updates.ts';
import { UserStore } from '../store/users.ts';
import { UpdateChecker } from '../updates/update-checker.ts';
import { autoUpdateKind, updateCheckKind } from '../updates/update-schedules.ts';
import { UpdateService } from '../updates/update-service.ts';
import { createLogger, type Logger } from './logger.ts';
import type { OpenStore } from './store.ts';

export const SESSION_LIFETIMES: SessionLifetimes = { idleMs: 12 * 3_600_000, absoluteMs: 7 * 86_400_000 };

export interface ServiceOptions {
  sessionLifetimes?: SessionLifetimes;
  /** The volume browser's helper image (default: the one Windflow carries). */
  helperImage?: string;
  /** The carried helper image as a `docker save` archive, loaded where it is missing. */
  helperImageArchive?: string;
  /** Labels this installation's helper containers (default: this process only). */
  installationId?: string;
  /** Where failures in the background (a job's write) and agent connections are told. */
  logger?: Logger;
  /** Where stacks keep their folders (compose.yaml, .env, build contexts): `<data dir>/stacks`. */
  stacksDir?: string;
  /** Retry delays of notification deliveries (tests make them short). */
  notifier?: NotifierOptions;
  /** Windflow's data directory, which no environment's socket path may point into. */
  dataDir?: string;
  agentHeartbeat?: HubOptions;
  /** Reconnection backoff of the Engine events streams (tests make it short). */
  engineEvents?: EngineEventOptions;
  /** Between monitoring rounds of each environment (tests make it short). */
  metricsIntervalMs?: number;
  /** The most one Git fetch may download (default 64 MiB). */
  gitMaxBytes?: number;
  /** How long a stack's containers must stay up after a deploy (default 10 s; tests shorten it). */
  stackGraceMs?: number;
}

export function createServices(
  { db, secrets }: Pick<OpenStore, 'db' | 'secrets'>,
  {
    sessionLifetimes = SESSION_LIFETIMES,
    helperImage,
    helperImageArchive,
    installationId,
    logger = createLogger('warn'),
    stacksDir,
    notifier: notifierOptions,
    dataDir,
    agentHeartbeat,
    engineEvents: engineEventOptions,
    metricsIntervalMs = DEFAULT_INTERVAL_MS,
    gitMaxBytes,
    stackGraceMs,
  }: ServiceOptions = {},
) {
  const environments = new EnvironmentStore(db, secrets);
  const agentStore = new AgentStore(db, secrets);
  const agents = new AgentHub(agentStore, logger, agentHeartbeat);
  const users = new UserStore(db);
  const roles = new RoleStore(db);
  const sessions = new SessionStore(db, sessionLifetimes);
  const tokens = new ApiTokenStore(db);
  const recoveryCodes = new RecoveryCodeStore(db);
  const settings = new SettingsStore(db);
  const audit = new AuditLog(db);
  const authenticator = new Authenticator({
    users,
    roles,
    sessions,
    tokens,
    recoveryCodes,
    secrets,
    settings,
  });
  const clients = new DockerClientPool(environments, { store: agentStore, hub: agents });
  const schedules = new ScheduleStore(db);
  const scheduler = new Scheduler(schedules, logger);
  scheduler.register(imagePruneKind(environments, clients));
  const registries = new RegistryStore(db, secrets);
  const jobs = new JobRegistry(new JobStore(db), {
    onEnd: (job) => recordJobEnd(audit, job),
    onWriteError: (error) => logger.error('could not keep a job in the store', { error }),
  });
  const notificationChannels = new NotificationChannelStore(db, secrets);
  const notifier = new Notifier(notificationChannels, logger, notifierOptions);
  const updates = new UpdateStore(db);
  const updateChecker = new UpdateChecker(registries, updates);
  const stacks = new StackStore(db, secrets);
  const git = new GitStore(db, secrets);
  // The two know each other: a Git revision's checkout may need fetching again to roll back to,
  // and a removed stack's polling schedule goes with it.
  let gitStacks: GitStacks | undefined;
  const stackService = new StackService({
    stacks,
    environments,
    clients,
    jobs,
    registries,
    stacksDir: stacksDir ?? join(tmpdir(), `windflow-stacks-${process.pid}`),
    graceMs: stackGraceMs,
    restoreCheckout: (revision, dir) => (gitStacks as GitStacks).restoreCheckout(revision, dir),
    onRemove: (stack) => (gitStacks as GitStacks).forget(stack),
  });
  gitStacks = new GitStacks({
    git,
    stacks,
    stackService,
    scheduler,
    schedules,
    audit,
    logger,
    actFor: ({ userId, tokenScope }) => authenticator.actingFor(userId, tokenScope, 'git-deployer'),
    maxCheckoutBytes: gitMaxBytes,
  });
  scheduler.register(gitStacks.pollKind());
  const updateService = new UpdateService({
    environments,
    clients,
    registries,
    checker: updateChecker,
    updates,
    notifier,
    audit,
    stacks: stackService,
    jobs,
  });
  const imageScans = new ImageScanStore(db);
  const scanService = new ScanService({
    environments,
    clients,
    settings,
    scans: imageScans,
    notifier,
    authFor: (reference) => updateService.authFor(reference),
  });
  scheduler.register(updateCheckKind(updateService, notifier));
  scheduler.register(autoUpdateKind(updateService, updates, notifier, scanService.gateFor));
  scheduler.register(imageScanKind(scanService, environments, clients, notifier));
  /** Each monitoring collection round, for alert rules and live charts. */
  const readings = new ReadingsFeed();
  const engineEvents = new EngineEventStreams(environments, clients, logger, engineEventOptions);
  const alertStore = new AlertStore(db);
  const alerts = new AlertEngine({
    store: alertStore,
    environments,
    clients,
    notifier,
    events: engineEvents,
    readings,
    agents,
    logger,
  });
  const metrics = new MetricStore(db);
  const engineEventStore = new EngineEventStore(db);
  const eventHistory = new EventHistory({ streams: engineEvents, store: engineEventStore, logger });
  const collector = new MetricsCollector(
    { environments, clients, agents, metrics, feed: readings, logger, events: engineEvents },
    metricsIntervalMs,
  );
  scheduler.register(monitoringHistoryKind(metrics, [(days) => engineEventStore.purgeOlderThan(days)]));
  return {
    dataDir,
    secrets,
    environments,
    users,
    roles,
    sessions,
    sessionLifetimes,
    tokens,
    recoveryCodes,
    audit,
    authProviders: new AuthProviderStore(db, secrets),
    agentStore,
    agents,
    clients,
    schedules,
    scheduler,
    registries,
    notificationChannels,
    notifier,
    updates,
    updateChecker,
    updateService,
    readings,
    engineEvents,
    alertStore,
    alerts,
    metrics,
    collector,
    engineEventStore,
    eventHistory,
    history: new MetricHistoryReader(metrics, schedules, metricsIntervalMs),
    imageScans,
    scanService,
    /** Ports Windflow listens on, filled in once it listens: a channel may not point at them. */
    listeningPorts: [] as number[],
    volumeHelpers: new VolumeHelpers({
      image: helperImage,
      archive: helperImageArchive,
      owner: installationId,
      logger,
    }),
    jobs,
    stackService,
    gitStacks,
    usageFeeds: new UsageFeeds(),
    settings,
    authenticator,
  };
}

export type Services = ReturnType<typeof createServices>;
