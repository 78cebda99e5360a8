// The all-environments dashboard: every environment's host and container counts from its last
// round, the busiest containers across them, the stacks that need attention and the image
// updates waiting, for the environments the caller may read.

import type { BusyContainer, MonitoringOverview, StackAttention } from '../docker/views.ts';
import type { Environment } from '../store/records.ts';
import type { ContainerReading, ReadingsBatch } from './readings.ts';

export const BUSIEST = 10;

export function overviewOf(
  environments: { environment: Environment; batch: ReadingsBatch | undefined; updatesAvailable: number }[],
): MonitoringOverview {
  const busiest: BusyContainer[] = [];
  const stacks: StackAttention[] = [];
  const overviews = environments.map(({ environment, batch, updatesAvailable }) => {
    const containers = batch?.containers ?? [];
    for (const reading of containers) {
      if (reading.state !== 'running') continue;
      busiest.push({
        environmentId: environment.id,
        environment: environment.name,
        containerId: reading.containerId,
        name: reading.name,
        stack: reading.stack,
        cpuPercent: reading.cpuPercent,
        memoryBytes: reading.memoryBytes,
        memoryLimitBytes: reading.memoryLimitBytes,
      });
    }
    stacks.push(...stacksNeedingAttention(environment, containers));
    return {
      id: environment.id,
      name: environment.name,
      type: environment.type,
      reachable: batch ? batch.reachable : null,
      at: batch?.at ?? null,
      host: batch?.host ?? null,
      containers: {
        total: containers.length,
        running: containers.filter((c) => c.state === 'running').length,
        unhealthy: containers.filter((c) => c.health === 'unhealthy').length,
        restarting: containers.filter((c) => c.state === 'restarting').length,
        stopped: containers.filter((c) => c.state === 'exited' || c.state === 'dead').length,
      },
      updatesAvailable,
    };
  });
  busiest.sort((a, b) => b.cpuPercent - a.cpuPercent || b.memoryBytes - a.memoryBytes);
  return { environments: overviews, busiest: busiest.slice(0, BUSIEST), stacks };
}

function stacksNeedingAttention(environment: Environment, containers: ContainerReading[]): StackAttention[] {
  const byStack = new Map<string, ContainerReading[]>();
  for (const reading of containers) {
    if (reading.stack) byStack.set(reading.stack, [...(byStack.get(reading.stack) ?? []), reading]);
  }
  const attention: StackAttention[] = [];
  for (const [stack, members] of byStack) {
    const count = (test: (reading: ContainerReading) => boolean) => members.filter(test).length;
    const stopped = count((c) => c.state === 'exited' || c.state === 'dead' || c.state === 'created');
    const unhealthy = count((c) => c.health === 'unhealthy');
    const restarting = count((c) => c.state === 'restarting');
    const reasons = [
      stopped ? `${stopped} stopped` : '',
      unhealthy ? `${unhealthy} unhealthy` : '',
      restarting ? `${restarting} restarting` : '',
    ].filter(Boolean);
    if (reasons.length === 0) continue;
    attention.push({
      environmentId: environment.id,
      environment: environment.name,
      stack,
      containers: members.length,
      running: count((c) => c.state === 'running'),
      reasons,
    });
  }
  return attention;
}
