// Host figures of an environment, where something can give them: the Engine API has none (only
// the core count and total memory), so the local socket's host is read from this machine's
// /proc and the file system of Docker's data root, and an edge agent's from the `metrics`
// messages it sends. Counters (CPU time, network bytes) come back as totals; the collector
// turns them into rates between rounds.
import { readFileSync, statfsSync } from 'node:fs';

export interface HostTotals {
  /** Busy and total CPU time (any unit) since boot, or the busy share directly (an agent's). */
  cpu: { busy: number; total: number } | { percent: number };
  memoryUsedBytes: number;
  memoryTotalBytes: number;
  diskUsedBytes: number;
  diskTotalBytes: number;
  networkRxBytes: number;
  networkTxBytes: number;
}

/** Interfaces that carry traffic between containers on the host rather than off it. */
const VIRTUAL_INTERFACE = /^(lo|veth|docker|br-|virbr|cni|flannel|cali|podman)/;

/** This machine's figures; `dataRoot` is Docker's (whose file system holds images and volumes). */
export function localHostTotals(dataRoot: string): HostTotals {
  const cpuLine = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const ticks = cpuLine.trim().split(/\s+/).slice(1, 9).map(Number);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  const total = ticks.reduce((sum, value) => sum + value, 0);

  const memory = new Map<string, number>();
  for (const line of readFileSync('/proc/meminfo', 'utf8').split('\n')) {
    const match = /^(\w+):\s+(\d+)/.exec(line);
    if (match) memory.set(match[1] as string, Number(match[2]) * 1024);
  }
  const memoryTotal = memory.get('MemTotal') ?? 0;
  const available = memory.get('MemAvailable') ?? memory.get('MemFree') ?? 0;

  let rx = 0;
  let tx = 0;
  for (const line of readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2)) {
    const [name, counters] = line.split(':');
    if (!counters || VIRTUAL_INTERFACE.test(name?.trim() ?? '')) continue;
    const fields = counters.trim().split(/\s+/).map(Number);
    rx += fields[0] ?? 0;
    tx += fields[8] ?? 0;
  }

  const disk = diskOf(dataRoot);
  return {
    cpu: { busy: total - idle, total },
    memoryUsedBytes: memoryTotal - available,
    memoryTotalBytes: memoryTotal,
    diskUsedBytes: disk.used,
    diskTotalBytes: disk.total,
    networkRxBytes: rx,
    networkTxBytes: tx,
  };
}

/** Docker's data root when this process sees it (not inside a container), else the root file system. */
function diskOf(dataRoot: string): { used: number; total: number } {
  for (const path of [dataRoot, '/']) {
    try {
      const stats = statfsSync(path);
      const total = stats.blocks * stats.bsize;
      return { total, used: total - stats.bfree * stats.bsize };
    } catch {
      // not visible from here: try the next
    }
  }
  return { total: 0, used: 0 };
}

/** A Hawser agent's `metrics` message (sent every 30 s); undefined when it is not one. */
export function agentHostTotals(metrics: Record<string, unknown> | undefined): HostTotals | undefined {
  if (!metrics) return undefined;
  const number = (key: string) => (typeof metrics[key] === 'number' ? (metrics[key] as number) : undefined);
  const cpu = number('cpuUsage');
  const memoryTotal = number('memoryTotal');
  if (cpu === undefined || memoryTotal === undefined) return undefined;
  return {
    cpu: { percent: cpu },
    memoryUsedBytes: number('memoryUsed') ?? 0,
    memoryTotalBytes: memoryTotal,
    diskUsedBytes: number('diskUsed') ?? 0,
    diskTotalBytes: number('diskTotal') ?? 0,
    networkRxBytes: number('networkRxBytes') ?? 0,
    networkTxBytes: number('networkTxBytes') ?? 0,
  };
}
