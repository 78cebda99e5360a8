// The readings the monitoring collector takes every interval, and the feed it publishes them on.
// One seam between collection (which talks to the Engine and the store) and what consumes the
// readings as they come (alert rules on thresholds, live charts): neither knows how the other works.

/** One container at one instant. Counters (network, block I/O) are totals since the container started. */
export interface ContainerReading {
  environmentId: number;
  containerId: string;
  /** Without the leading slash. */
  name: string;
  /** The Compose project and service labels, when the container belongs to a stack. */
  stack: string | null;
  service: string | null;
  /** Milliseconds since the epoch. */
  at: number;
  /** Docker's state: running, exited, restarting, paused… */
  state: string;
  health: 'healthy' | 'unhealthy' | 'starting' | null;
  restartCount: number;
  /** Of one core: 250 means two and a half cores busy, as `docker stats` shows it. */
  cpuPercent: number;
  memoryBytes: number;
  /** The container's limit, or the host's memory when it has none. */
  memoryLimitBytes: number;
  networkRxBytes: number;
  networkTxBytes: number;
  blockReadBytes: number;
  blockWriteBytes: number;
}

/** The host of one environment at one instant. */
export interface HostReading {
  environmentId: number;
  at: number;
  /** Of the whole host: 100 means every core busy. */
  cpuPercent: number;
  memoryUsedBytes: number;
  memoryTotalBytes: number;
  diskUsedBytes: number;
  diskTotalBytes: number;
  networkRxBytes: number;
  networkTxBytes: number;
}

/** What one collection round of one environment produced. */
export interface ReadingsBatch {
  environmentId: number;
  at: number;
  /** False when the environment (or its agent) could not be reached this round. */
  reachable: boolean;
  /** Null when the host's figures are not available (an engine that does not give them). */
  host: HostReading | null;
  containers: ContainerReading[];
}

export type ReadingsListener = (batch: ReadingsBatch) => void;

/** Synchronous fan-out: a listener that throws is the listener's problem, never the collector's. */
export class ReadingsFeed {
  private readonly listeners = new Set<ReadingsListener>();

  /** Returns the unsubscribe function. */
  subscribe(listener: ReadingsListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(batch: ReadingsBatch): void {
    for (const listener of this.listeners) {
      try {
        listener(batch);
      } catch {
        // A consumer's fault must not stop collection or the other consumers.
      }
    }
  }
}
