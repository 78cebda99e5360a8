// The schedule kinds of the updates module: "update-check" (ask the registries, tell about new
// images) and "auto-update" (a policy: which containers, what counts as an update — any new
// digest for the tag, or a patch or minor version bump — the scan gate, the grace period, and
// whether it only says what it would do).

import { GATES, type Gate, UPDATE_MODES } from '../docker/views.ts';
import type { Notifier } from '../notifications/notifier.ts';
import { ScheduleInputError, type ScheduleKind } from '../scheduler/scheduler.ts';
import type { UpdateStore } from '../store/updates.ts';
import type { GateVerdict } from './apply-update.ts';
import { DEFAULT_GRACE_SECONDS, type UpdateService } from './update-service.ts';

export interface AutoUpdatePolicy {
  /** Container names; empty: every container of the environment. */
  containers: string[];
  mode: (typeof UPDATE_MODES)[number];
  gate: Gate;
  graceSeconds: number;
  dryRun: boolean;
}

/** Builds the scan gate for a policy's threshold; undefined when scanning is not available. */
export type GateFactory = (
  environmentId: number,
  gate: Exclude<Gate, 'never'>,
  running: { imageId: string },
) => ((imageId: string, image: string) => Promise<GateVerdict>) | undefined;

export function parsePolicy(options: Record<string, unknown>): AutoUpdatePolicy {
  const {
    containers = [],
    mode = 'digest',
    gate = 'never',
    graceSeconds = DEFAULT_GRACE_SECONDS,
    dryRun = false,
    ...rest
  } = options;
  const refuse = (message: string): never => {
    throw new ScheduleInputError('INVALID_OPTIONS', message);
  };
  if (Object.keys(rest).length > 0) refuse(`unknown options: ${Object.keys(rest).join(', ')}`);
  if (!Array.isArray(containers) || !containers.every((name) => typeof name === 'string' && name.length > 0))
    refuse('containers is a list of container names (empty: all)');
  if (!(UPDATE_MODES as readonly unknown[]).includes(mode))
    refuse(`mode is one of ${UPDATE_MODES.join(', ')}`);
  if (!(GATES as readonly unknown[]).includes(gate)) refuse(`gate is one of ${GATES.join(', ')}`);
  if (
    typeof graceSeconds !== 'number' ||
    !Number.isInteger(graceSeconds) ||
    graceSeconds < 1 ||
    graceSeconds > 3600
  )
    refuse('graceSeconds is a whole number of seconds, 1 to 3600');
  if (typeof dryRun !== 'boolean') refuse('dryRun is true or false');
  return {
    containers: containers as string[],
    mode: mode as AutoUpdatePolicy['mode'],
    gate: gate as Gate,
    graceSeconds: graceSeconds as number,
    dryRun: dryRun as boolean,
  };
}

export function updateCheckKind(service: UpdateService, notifier: Notifier): ScheduleKind {
  return {
    kind: 'update-check',
    label: 'Check for image updates',
    permission: 'containers:read',
    environment: 'required',
    parseOptions(options) {
      if (Object.keys(options).length > 0)
        throw new ScheduleInputError('INVALID_OPTIONS', 'an update check takes no options');
      return {};
    },
    async run({ schedule }) {
      const digest = notifier.digest(`Update check (${schedule.name})`);
      try {
        const results = await service.check(schedule.environmentId ?? 0, digest);
        const available = new Set(
          results.filter((each) => each.status === 'available').map((each) => each.image),
        );
        const failed = new Set(results.filter((each) => each.status === 'error').map((each) => each.image));
        return `${results.length} containers checked: ${available.size} image(s) with an update${failed.size ? `, ${failed.size} could not be checked` : ''}`;
      } finally {
        digest.close();
      }
    },
  };
}

export function autoUpdateKind(
  service: UpdateService,
  updates: UpdateStore,
  notifier: Notifier,
  gateFor: GateFactory,
): ScheduleKind {
  return {
    kind: 'auto-update',
    label: 'Update containers automatically',
    permission: 'containers:update',
    environment: 'required',
    parseOptions: (options) => ({ ...parsePolicy(options) }),
    async run({ schedule, signal }) {
      const policy = parsePolicy(schedule.options);
      const environmentId = schedule.environmentId ?? 0;
      const digest = notifier.digest(`Auto-update (${schedule.name})`);
      const counts = new Map<string, number>();
      try {
        const results = await service.check(environmentId, digest);
        const { client } = await service.environment(environmentId);
        for (const result of results) {
          if (signal.aborted) break;
          if (policy.containers.length > 0 && !policy.containers.includes(result.containerName)) continue;
          const allowed = result.newerTags.filter(
            (each) => each.bump === 'patch' || (policy.mode === 'minor' && each.bump === 'minor'),
          );
          // A Compose service runs the tag its file names: only a new digest for that tag.
          const newer =
            policy.mode === 'digest' || result.stack
              ? undefined
              : (allowed.find((each) => each.bump === 'minor') ?? allowed[0]);
          const rolledBack = await updates.rolledBackDigests(environmentId, result.containerName);
          const newDigest =
            result.status === 'available' &&
            result.remoteDigest !== null &&
            !rolledBack.has(result.remoteDigest);
          if (!newer && !newDigest) continue;
          const targetImage = newer
            ? `${result.image.slice(0, result.image.lastIndexOf(':'))}:${newer.tag}`
            : undefined;
          let gate: ((imageId: string, image: string) => Promise<GateVerdict>) | undefined;
          if (policy.gate !== 'never') {
            const running = await client.inspectContainer(result.containerId);
            gate =
              gateFor(environmentId, policy.gate, { imageId: String(running.Image) }) ??
              (async () => ({ verdict: 'no scanner is set up', refuse: true }));
          }
          const outcome = await service.update(environmentId, {
            containerId: result.containerId,
            targetImage,
            dryRun: policy.dryRun,
            graceSeconds: policy.graceSeconds,
            gate,
            startedBy: `schedule: ${schedule.name}`,
            scheduleId: schedule.id,
            digest,
          });
          counts.set(outcome.outcome, (counts.get(outcome.outcome) ?? 0) + 1);
        }
      } finally {
        digest.close();
      }
      if (counts.size === 0) return 'nothing to update';
      return [...counts].map(([outcome, count]) => `${count} ${outcome}`).join(', ');
    },
  };
}
