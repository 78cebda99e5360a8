// Collection: every interval (10 s by default), one round per environment takes the host's
// figures and every container's, publishes them on the readings feed and keeps them in the store.
// How a round treats the Engine, so that 300 containers are 300 short answers, not 300 streams:
// - one container list (all states: alert rules need the stopped ones too);
// - one-shot stats (`stream=false&one-shot=true`, no wait for a second sample) per running
//   container, started evenly over the first half of the interval, over the client's pooled
//   keep-alive connections. Docker answers a stats request at its next 1-second collection tick
//   (measured: 10 ms to 1 s), so the calls in flight are as many as finish the round in half the
//   interval at a second each (300 containers every 10 s: 60), at least 4 and at most 64: short
//   requests the Engine answers together at its tick, never a held stream per container. CPU is
//   the change since this container's previous round (the average over the interval, not a 1 s
//   glimpse), network and block I/O rates likewise;
// - an inspect only for a container seen for the first time, restarting, or named by an Engine
//   event since the last round (restart counts are not in the list).
// A round that overruns its interval delays the next one; rounds of one environment never
// overlap, and a slow environment does not hold the others. Each environment has one timer.
import type { AgentHub } from '../agents/agent-hub.ts';
import type { Logger } from '../daemon/logger.ts';
import type { DockerClient } from '../docker/client.ts';
import { ratesBetween, type StatsSample, usageOf } from '../docker/container-stats.ts';
import type { ContainerSummary } from '../docker/types.ts';
import type { Rates, Usage } from '../docker/views.ts';
import type { DockerClientPool } from '../environments/client-pool.ts';
import type { EnvironmentStore } from '../store/environments.ts';
import type { MetricPoint, MetricStore } from '../store/metrics.ts';
import type { Environment } from '../store/records.ts';
import type { EngineEventStreams } from './engine-events.ts';
import { agentHostTotals, type HostTotals, localHostTotals } from './host-readings.ts';
import type { ContainerReading, HostReading, ReadingsBatch, ReadingsFeed } from './readings.ts';

export const DEFAULT_INTERVAL_MS = 10_000;
/** Bounds on the stats calls in flight; between them, as many as half the interval needs. */
const MIN_CONCURRENCY = 4;
const MAX_CONCURRENCY = 64;
/** How long the Engine may take to answer one stats call (its collection tick). */
const STATS_ANSWER_MS = 1000;
const STATS_TIMEOUT_MS = 10_000;
const STACK_LABEL = 'com.docker.compose.project';
const SERVICE_LABEL = 'com.docker.compose.service';

export interface CollectorDeps {
  environments: EnvironmentStore;
  clients: DockerClientPool;
  agents?: AgentHub;
  metrics: MetricStore;
  feed: ReadingsFeed;
  logger: Logger;
  /** A container's lifecycle event makes the next round read its restart count again. */
  events?: EngineEventStreams;
}

/** What one environment's rounds remember from the previous one. */
interface EnvironmentState {
  environment: Environment;
  /** Per container id: the last CPU counters, usage and rates (for the next CPU figure and rates). */
  previous: Map<string, { cpu: StatsSample['cpu_stats']; usage: Usage; rates: Rates }>;
  restartCounts: Map<string, number>;
  /** Containers an Engine event named since the last round. */
  changed: Set<string>;
  host?: { totals: HostTotals; at: number };
  /** Host network bytes per second between the last two rounds. */
  hostRates: { rx: number; tx: number };
  dataRoot?: string;
  latest?: ReadingsBatch;
  timer?: Timer;
  running?: Promise<void>;
}

export class MetricsCollector {
  private readonly states = new Map<number, EnvironmentState>();
  private supervisor?: Timer;
  private stopped = true;
  private unsubscribe?: () => void;
  /** Engine calls made by rounds, for the bench. */
  engineCalls = 0;

  constructor(
    private readonly deps: CollectorDeps,
    readonly intervalMs = DEFAULT_INTERVAL_MS,
  ) {}

  /** Starts a round loop for every environment, and for environments added later. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.deps.events?.subscribe({
      event: (environmentId, event) => {
        if (event.Type === 'container') this.containerChanged(environmentId, event.Actor.ID);
      },
    });
    void this.supervise();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.supervisor);
    for (const state of this.states.values()) clearTimeout(state.timer);
    await Promise.allSettled([...this.states.values()].map((state) => state.running));
    this.states.clear();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** The last round of an environment. */
  latest(environmentId: number): ReadingsBatch | undefined {
    return this.states.get(environmentId)?.latest;
  }

  /** An Engine event named this container: its restart count is read again next round. */
  containerChanged(environmentId: number, containerId: string): void {
    this.states.get(environmentId)?.changed.add(containerId);
  }

  private async supervise(): Promise<void> {
    try {
      const environments = await this.deps.environments.list();
      const present = new Set(environments.map((environment) => environment.id));
      for (const [id, state] of this.states) {
        if (!present.has(id)) {
          clearTimeout(state.timer);
          this.states.delete(id);
        }
      }
      for (const environment of environments) {
        const state = this.states.get(environment.id);
        if (state) state.environment = environment;
        else this.launch(environment);
      }
    } catch (error) {
      this.deps.logger.warn('monitoring could not list the environments', { error });
    }
    if (!this.stopped) this.supervisor = setTimeout(() => void this.supervise(), this.intervalMs);
  }

  private launch(environment: Environment): void {
    const state: EnvironmentState = {
      environment,
      previous: new Map(),
      restartCounts: new Map(),
      changed: new Set(),
      hostRates: { rx: 0, tx: 0 },
    };
    this.states.set(environment.id, state);
    const loop = () => {
      const started = Date.now();
      state.running = this.round(state)
        .then(() => undefined)
        .catch((error: unknown) =>
          this.deps.logger.warn('a monitoring round failed', { environment: state.environment.name, error }),
        )
        .finally(() => {
          if (this.stopped || this.states.get(environment.id) !== state) return;
          state.timer = setTimeout(loop, Math.max(0, started + this.intervalMs - Date.now()));
        });
    };
    loop();
  }

  /** One round of one environment: readings published, then stored. */
  private async round(state: EnvironmentState): Promise<ReadingsBatch> {
    const { environment } = state;
    const at = Date.now();
    let batch: ReadingsBatch;
    try {
      const client = await this.deps.clients.clientFor(environment);
      this.engineCalls++;
      const containers = await client.listContainers({ all: true, timeoutMs: STATS_TIMEOUT_MS });
      const [host, readings] = await Promise.all([
        this.hostReading(state, client, at).catch(() => null),
        this.containerReadings(state, client, containers),
      ]);
      batch = { environmentId: environment.id, at, reachable: true, host, containers: readings };
    } catch (error) {
      this.deps.logger.debug('monitoring could not reach an environment', {
        environment: environment.name,
        error,
      });
      batch = { environmentId: environment.id, at, reachable: false, host: null, containers: [] };
    }
    state.latest = batch;
    this.deps.feed.publish(batch);
    await this.keep(state, batch);
    return batch;
  }

  private async containerReadings(
    state: EnvironmentState,
    client: DockerClient,
    containers: ContainerSummary[],
  ): Promise<ContainerReading[]> {
    const present = new Set(containers.map((container) => container.Id));
    for (const id of state.previous.keys()) if (!present.has(id)) state.previous.delete(id);
    for (const id of state.restartCounts.keys()) if (!present.has(id)) state.restartCounts.delete(id);

    const toInspect = containers.filter(
      (container) =>
        !state.restartCounts.has(container.Id) ||
        container.State === 'restarting' ||
        state.changed.has(container.Id),
    );
    state.changed.clear();
    await paced(toInspect, 0, MIN_CONCURRENCY, async (container) => {
      this.engineCalls++;
      const inspect = await client
        .inspectContainer(container.Id, { timeoutMs: STATS_TIMEOUT_MS })
        .catch(() => undefined);
      if (inspect) state.restartCounts.set(container.Id, Number(inspect.RestartCount ?? 0));
    });

    const running = containers.filter((container) => container.State === 'running');
    const spacingMs = running.length > 0 ? this.intervalMs / 2 / running.length : 0;
    const concurrency = Math.min(
      MAX_CONCURRENCY,
      Math.max(MIN_CONCURRENCY, Math.ceil((running.length * STATS_ANSWER_MS) / (this.intervalMs / 2))),
    );
    const usages = new Map<string, Usage>();
    await paced(running, spacingMs, concurrency, async (container) => {
      this.engineCalls++;
      const sample = await client
        .request<StatsSample>('GET', `/containers/${encodeURIComponent(container.Id)}/stats`, {
          query: { stream: false, 'one-shot': true },
          timeoutMs: STATS_TIMEOUT_MS,
        })
        .catch(() => undefined);
      if (!sample?.cpu_stats) return;
      const previous = state.previous.get(container.Id);
      // The one-shot answer has no previous CPU sample: ours from the last round stands in.
      const usage = usageOf(previous ? { ...sample, precpu_stats: previous.cpu } : sample);
      const rates = previous ? ratesBetween(previous.usage, usage) : ZERO_RATES;
      state.previous.set(container.Id, { cpu: sample.cpu_stats, usage, rates });
      usages.set(container.Id, usage);
    });

    return containers.map((container) => {
      const usage = usages.get(container.Id);
      return {
        environmentId: state.environment.id,
        containerId: container.Id,
        name: (container.Names[0] ?? container.Id).replace(/^\//, ''),
        stack: container.Labels?.[STACK_LABEL] ?? null,
        service: container.Labels?.[SERVICE_LABEL] ?? null,
        at: usage ? Date.parse(usage.at) || Date.now() : Date.now(),
        state: container.State,
        health: healthOf(container.Status),
        restartCount: state.restartCounts.get(container.Id) ?? 0,
        cpuPercent: usage?.cpuPercent ?? 0,
        memoryBytes: usage?.memoryBytes ?? 0,
        memoryLimitBytes: usage?.memoryLimitBytes ?? 0,
        networkRxBytes: usage?.networkRxBytes ?? 0,
        networkTxBytes: usage?.networkTxBytes ?? 0,
        blockReadBytes: usage?.blockReadBytes ?? 0,
        blockWriteBytes: usage?.blockWriteBytes ?? 0,
      };
    });
  }

  private async hostReading(
    state: EnvironmentState,
    client: DockerClient,
    at: number,
  ): Promise<HostReading | null> {
    const { environment } = state;
    let totals: HostTotals | undefined;
    if (environment.type === 'local-socket') {
      if (state.dataRoot === undefined) {
        this.engineCalls++;
        state.dataRoot = (await client.info()).DockerRootDir || '/var/lib/docker';
      }
      totals = localHostTotals(state.dataRoot);
    } else if (environment.type === 'edge') {
      totals = agentHostTotals(this.deps.agents?.session(environment.id)?.metrics);
    }
    if (!totals) return null;
    const previous = state.host;
    state.host = { totals, at };
    if (previous) {
      const seconds = (at - previous.at) / 1000;
      const rate = (from: number, to: number) => (seconds > 0 && to >= from ? (to - from) / seconds : 0);
      state.hostRates = {
        rx: rate(previous.totals.networkRxBytes, totals.networkRxBytes),
        tx: rate(previous.totals.networkTxBytes, totals.networkTxBytes),
      };
    }
    let cpuPercent = 0;
    if ('percent' in totals.cpu) cpuPercent = totals.cpu.percent;
    else if (previous && 'busy' in previous.totals.cpu) {
      const total = totals.cpu.total - previous.totals.cpu.total;
      cpuPercent = total > 0 ? ((totals.cpu.busy - previous.totals.cpu.busy) / total) * 100 : 0;
    }
    return {
      environmentId: environment.id,
      at,
      cpuPercent,
      memoryUsedBytes: totals.memoryUsedBytes,
      memoryTotalBytes: totals.memoryTotalBytes,
      diskUsedBytes: totals.diskUsedBytes,
      diskTotalBytes: totals.diskTotalBytes,
      networkRxBytes: totals.networkRxBytes,
      networkTxBytes: totals.networkTxBytes,
    };
  }

  /** Stores the host and the running containers (stopped ones have nothing to chart). */
  private async keep(state: EnvironmentState, batch: ReadingsBatch): Promise<void> {
    if (!batch.reachable) return;
    const seconds = Math.floor(batch.at / 1000);
    const points: { seriesId: number; point: MetricPoint }[] = [];
    try {
      if (batch.host) {
        const rates = state.hostRates;
        const seriesId = await this.deps.metrics.seriesId({
          environmentId: batch.environmentId,
          container: '',
          stack: null,
          service: null,
        });
        points.push({
          seriesId,
          point: {
            at: seconds,
            cpu: batch.host.cpuPercent,
            memory: batch.host.memoryUsedBytes,
            memoryLimit: batch.host.memoryTotalBytes,
            rx: rates.rx,
            tx: rates.tx,
            ioRead: 0,
            ioWrite: 0,
            disk: batch.host.diskUsedBytes,
            diskTotal: batch.host.diskTotalBytes,
            restarts: null,
          },
        });
      }
      for (const reading of batch.containers) {
        const entry = state.previous.get(reading.containerId);
        if (reading.state !== 'running' || !entry) continue;
        const seriesId = await this.deps.metrics.seriesId({
          environmentId: batch.environmentId,
          container: reading.name,
          stack: reading.stack,
          service: reading.service,
        });
        const { rates } = entry;
        points.push({
          seriesId,
          point: {
            at: seconds,
            cpu: reading.cpuPercent,
            memory: reading.memoryBytes,
            memoryLimit: reading.memoryLimitBytes,
            rx: rates.networkRxPerSecond,
            tx: rates.networkTxPerSecond,
            ioRead: rates.blockReadPerSecond,
            ioWrite: rates.blockWritePerSecond,
            disk: null,
            diskTotal: null,
            restarts: reading.restartCount,
          },
        });
      }
      await this.deps.metrics.addPoints(points);
    } catch (error) {
      this.deps.logger.warn('could not keep monitoring readings', {
        environment: state.environment.name,
        error,
      });
    }
  }
}

const ZERO_RATES: Rates = {
  networkRxPerSecond: 0,
  networkTxPerSecond: 0,
  blockReadPerSecond: 0,
  blockWritePerSecond: 0,
};

/** Health from the list's status text: "Up 2 minutes (healthy)", "(health: starting)". */
export function healthOf(status: string): ContainerReading['health'] {
  if (status.includes('(unhealthy)')) return 'unhealthy';
  if (status.includes('(healthy)')) return 'healthy';
  if (status.includes('(health: starting)')) return 'starting';
  return null;
}

/**
 * Runs `work` over `items`, `concurrency` at a time, item i starting no earlier than i × spacing
 * after the first: a bounded, even load instead of a burst.
 */
async function paced<T>(
  items: T[],
  spacingMs: number,
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const began = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      const wait = began + index * spacingMs - performance.now();
      if (wait > 1) await Bun.sleep(wait);
      await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
