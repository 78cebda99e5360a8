// The "image-prune" schedule kind: removes dangling (or all unused) images of one environment
// on a schedule, like the System page's clean-up does on demand.
import { pruneImages } from '../docker/images.ts';
import type { DockerClientPool } from '../environments/client-pool.ts';
import { ScheduleInputError, type ScheduleKind } from '../scheduler/scheduler.ts';
import type { EnvironmentStore } from '../store/environments.ts';

export function imagePruneKind(environments: EnvironmentStore, clients: DockerClientPool): ScheduleKind {
  return {
    kind: 'image-prune',
    label: 'Remove unused images',
    permission: 'system:prune',
    environment: 'required',
    parseOptions(options) {
      const { allUnused = false, labels = [], ...rest } = options;
      if (typeof allUnused !== 'boolean')
        throw new ScheduleInputError(
          'INVALID_OPTIONS',
          'allUnused is true (every unused image) or false (dangling only)',
        );
      if (!Array.isArray(labels) || !labels.every((label) => typeof label === 'string' && label.length > 0))
        throw new ScheduleInputError('INVALID_OPTIONS', 'labels is a list of "key" or "key=value" filters');
      if (Object.keys(rest).length > 0)
        throw new ScheduleInputError('INVALID_OPTIONS', `unknown options: ${Object.keys(rest).join(', ')}`);
      return { allUnused, labels };
    },
    async run({ schedule }) {
      const environment = await environments.get(schedule.environmentId ?? 0);
      if (!environment) throw new Error(`environment ${schedule.environmentId} no longer exists`);
      const { allUnused, labels } = schedule.options as { allUnused: boolean; labels: string[] };
      const result = await pruneImages(await clients.clientFor(environment), allUnused, labels);
      const mib = (result.spaceReclaimed / 1_048_576).toFixed(1);
      return `removed ${result.deleted.length} image layer(s), reclaimed ${mib} MiB`;
    },
  };
}
