// GET /metrics in the Prometheus text format (version 0.0.4): every environment's host and
// containers from their last collection round, under stable `windflow_*` names with the labels
// environment, container, stack and service, and Windflow's own process figures under the
// names Prometheus' client libraries use (process_*), so existing dashboards work unchanged.
import { readdirSync } from 'node:fs';
import type { Environment } from '../store/records.ts';
import type { ReadingsBatch } from './readings.ts';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;
interface Family {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  samples: { labels: Labels; value: number }[];
}

export interface ExpositionInput {
  environments: { environment: Environment; batch: ReadingsBatch | undefined }[];
  version: string;
  /** Engine calls monitoring made since the start. */
  engineCalls: number;
}

const PROCESS_START_SECONDS = Date.now() / 1000 - process.uptime();

export function exposition({ environments, version, engineCalls }: ExpositionInput): string {
  const families = new Map<string, Family>();
  const add = (name: string, type: Family['type'], help: string, labels: Labels, value: number) => {
    let family = families.get(name);
    if (!family) {
      family = { name, type, help, samples: [] };
      families.set(name, family);
    }
    if (Number.isFinite(value)) family.samples.push({ labels, value });
  };

  for (const { environment, batch } of environments) {
    const env = { environment: environment.name };
    add(
      'windflow_environment_up',
      'gauge',
      'Whether the last collection round reached the environment (1) or not (0).',
      env,
      batch?.reachable ? 1 : 0,
    );
    const host = batch?.host;
    if (host) {
      add('windflow_host_cpu_percent', 'gauge', 'Host CPU busy, percent of all cores.', env, host.cpuPercent);
      add('windflow_host_memory_used_bytes', 'gauge', 'Host memory in use.', env, host.memoryUsedBytes);
      add('windflow_host_memory_total_bytes', 'gauge', 'Host memory.', env, host.memoryTotalBytes);
      add(
        'windflow_host_disk_used_bytes',
        'gauge',
        "Used space on Docker's data file system.",
        env,
        host.diskUsedBytes,
      );
      add(
        'windflow_host_disk_total_bytes',
        'gauge',
        "Size of Docker's data file system.",
        env,
        host.diskTotalBytes,
      );
      add(
        'windflow_host_network_receive_bytes_total',
        'counter',
        'Bytes the host received on its physical interfaces.',
        env,
        host.networkRxBytes,
      );
      add(
        'windflow_host_network_transmit_bytes_total',
        'counter',
        'Bytes the host sent on its physical interfaces.',
        env,
        host.networkTxBytes,
      );
    }
    for (const reading of batch?.containers ?? []) {
      const labels = {
        ...env,
        container: reading.name,
        stack: reading.stack ?? '',
        service: reading.service ?? '',
      };
      add(
        'windflow_container_up',
        'gauge',
        'Whether the container is running (1) or not (0).',
        labels,
        reading.state === 'running' ? 1 : 0,
      );
      add(
        'windflow_container_restarts_total',
        'counter',
        'Times the Engine restarted the container.',
        labels,
        reading.restartCount,
      );
      if (reading.health)
        add(
          'windflow_container_healthy',
          'gauge',
          'Health check verdict: 1 healthy, 0 unhealthy or starting (absent without a health check).',
          labels,
          reading.health === 'healthy' ? 1 : 0,
        );
      if (reading.state !== 'running') continue;
      add(
        'windflow_container_cpu_percent',
        'gauge',
        'CPU use, percent of one core.',
        labels,
        reading.cpuPercent,
      );
      add(
        'windflow_container_memory_usage_bytes',
        'gauge',
        'Memory in use, page cache excluded.',
        labels,
        reading.memoryBytes,
      );
      add(
        'windflow_container_memory_limit_bytes',
        'gauge',
        "Memory limit (the host's memory when none is set).",
        labels,
        reading.memoryLimitBytes,
      );
      add(
        'windflow_container_network_receive_bytes_total',
        'counter',
        'Bytes received.',
        labels,
        reading.networkRxBytes,
      );
      add(
        'windflow_container_network_transmit_bytes_total',
        'counter',
        'Bytes sent.',
        labels,
        reading.networkTxBytes,
      );
      add(
        'windflow_container_block_read_bytes_total',
        'counter',
        'Bytes read from block devices.',
        labels,
        reading.blockReadBytes,
      );
      add(
        'windflow_container_block_write_bytes_total',
        'counter',
        'Bytes written to block devices.',
        labels,
        reading.blockWriteBytes,
      );
    }
  }

  add('windflow_build_info', 'gauge', 'The running Windflow version.', { version }, 1);
  add(
    'windflow_monitoring_engine_calls_total',
    'counter',
    'Engine API calls made by monitoring.',
    {},
    engineCalls,
  );
  const usage = process.cpuUsage();
  add(
    'process_cpu_seconds_total',
    'counter',
    'User and system CPU time spent in seconds.',
    {},
    (usage.user + usage.system) / 1e6,
  );
  add(
    'process_resident_memory_bytes',
    'gauge',
    'Resident memory size in bytes.',
    {},
    process.memoryUsage().rss,
  );
  add(
    'process_start_time_seconds',
    'gauge',
    'Start time of the process since unix epoch in seconds.',
    {},
    PROCESS_START_SECONDS,
  );
  const openFiles = openFileCount();
  if (openFiles !== undefined)
    add('process_open_fds', 'gauge', 'Number of open file descriptors.', {}, openFiles);

  return [...families.values()].map(render).join('');
}

function render(family: Family): string {
  const lines = [`# HELP ${family.name} ${family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`];
  lines.push(`# TYPE ${family.name} ${family.type}`);
  for (const { labels, value } of family.samples)
    lines.push(`${family.name}${renderLabels(labels)} ${value}`);
  return `${lines.join('\n')}\n`;
}

function renderLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  const escaped = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{${entries.map(([key, value]) => `${key}="${escaped(value)}"`).join(',')}}`;
}

function openFileCount(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}
