// Container resource usage computed the way `docker stats` does, from the Engine's stats
// samples (each carries the previous CPU reading as precpu_stats).
import type { Rates, Usage } from './views.ts';

export interface StatsSample {
  read: string;
  cpu_stats: CpuStats;
  precpu_stats: CpuStats;
  memory_stats: {
    usage?: number;
    limit?: number;
    stats?: Record<string, number>;
  };
  networks?: Record<string, { rx_bytes: number; tx_bytes: number }>;
  blkio_stats?: { io_service_bytes_recursive?: { op: string; value: number }[] | null };
  pids_stats?: { current?: number; limit?: number };
}

interface CpuStats {
  cpu_usage: { total_usage: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}

export function usageOf(sample: StatsSample): Usage {
  const cpuDelta = sample.cpu_stats.cpu_usage.total_usage - sample.precpu_stats.cpu_usage.total_usage;
  const systemDelta = (sample.cpu_stats.system_cpu_usage ?? 0) - (sample.precpu_stats.system_cpu_usage ?? 0);
  const cpus = sample.cpu_stats.online_cpus || sample.cpu_stats.cpu_usage.percpu_usage?.length || 1;
  const cpuPercent = systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;

  const memory = sample.memory_stats;
  const detail = memory.stats ?? {};
  // cgroup v1 reports total_inactive_file, v2 inactive_file; the CLI subtracts either.
  const inactive = detail.total_inactive_file ?? detail.inactive_file ?? 0;
  const usage = memory.usage ?? 0;
  const memoryBytes = inactive < usage ? usage - inactive : usage;
  const memoryLimitBytes = memory.limit ?? 0;

  let networkRxBytes = 0;
  let networkTxBytes = 0;
  for (const network of Object.values(sample.networks ?? {})) {
    networkRxBytes += network.rx_bytes;
    networkTxBytes += network.tx_bytes;
  }
  let blockReadBytes = 0;
  let blockWriteBytes = 0;
  for (const entry of sample.blkio_stats?.io_service_bytes_recursive ?? []) {
    if (entry.op.toLowerCase() === 'read') blockReadBytes += entry.value;
    if (entry.op.toLowerCase() === 'write') blockWriteBytes += entry.value;
  }
  return {
    at: sample.read,
    cpuPercent,
    memoryBytes,
    memoryLimitBytes,
    memoryPercent: memoryLimitBytes > 0 ? (memoryBytes / memoryLimitBytes) * 100 : 0,
    networkRxBytes,
    networkTxBytes,
    blockReadBytes,
    blockWriteBytes,
    pids: sample.pids_stats?.current ?? 0,
  };
}

export function ratesBetween(previous: Usage, current: Usage): Rates {
  const seconds = (Date.parse(current.at) - Date.parse(previous.at)) / 1000;
  const rate = (from: number, to: number) => (seconds > 0 && to >= from ? (to - from) / seconds : 0);
  return {
    networkRxPerSecond: rate(previous.networkRxBytes, current.networkRxBytes),
    networkTxPerSecond: rate(previous.networkTxBytes, current.networkTxBytes),
    blockReadPerSecond: rate(previous.blockReadBytes, current.blockReadBytes),
    blockWritePerSecond: rate(previous.blockWriteBytes, current.blockWriteBytes),
  };
}
