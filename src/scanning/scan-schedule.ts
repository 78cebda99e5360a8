// The schedule kind "image-scan": scans every image the environment's containers run (each once;
// only containers with the given labels, when some are), with the configured scanner or the one
// the schedule names, and tells people about critical and high findings in one message per run.
import { SCANNERS, type Scanner } from '../docker/views.ts';
import type { DockerClientPool } from '../environments/client-pool.ts';
import type { Notifier } from '../notifications/notifier.ts';
import { ScheduleInputError, type ScheduleKind } from '../scheduler/scheduler.ts';
import type { EnvironmentStore } from '../store/environments.ts';
import { SCANNER_LABEL } from './run-scanner.ts';
import type { ScanService } from './scan-service.ts';

export function imageScanKind(
  scans: ScanService,
  environments: EnvironmentStore,
  clients: DockerClientPool,
  notifier: Notifier,
): ScheduleKind {
  const parse = (options: Record<string, unknown>): { scanner?: Scanner; labels: string[] } => {
    const { scanner, labels = [], ...rest } = options;
    const refuse = (message: string): never => {
      throw new ScheduleInputError('INVALID_OPTIONS', message);
    };
    if (Object.keys(rest).length > 0) refuse(`unknown options: ${Object.keys(rest).join(', ')}`);
    if (scanner !== undefined && !(SCANNERS as readonly unknown[]).includes(scanner))
      refuse(`scanner is one of ${SCANNERS.join(', ')}`);
    if (!Array.isArray(labels) || !labels.every((label) => typeof label === 'string' && label.length > 0))
      refuse('labels is a list of "key" or "key=value" filters on the containers');
    return { ...(scanner === undefined ? {} : { scanner: scanner as Scanner }), labels: labels as string[] };
  };
  return {
    kind: 'image-scan',
    label: 'Scan images for vulnerabilities',
    permission: 'images:scan',
    environment: 'required',
    parseOptions: parse,
    async run({ schedule, signal }) {
      const { scanner, labels } = parse(schedule.options);
      const environment = await environments.get(schedule.environmentId ?? 0);
      if (!environment) throw new Error(`environment ${schedule.environmentId} no longer exists`);
      const client = await clients.clientFor(environment);
      const containers = await client.listContainers({
        all: true,
        filters: labels.length > 0 ? { label: labels } : undefined,
      });
      const images = new Map(
        containers
          .filter((each) => each.Labels[SCANNER_LABEL] === undefined)
          .map((each) => [String(each.ImageID), each.Image]),
      );
      const digest = notifier.digest(`Image scan (${schedule.name})`);
      let flagged = 0;
      const failed: string[] = [];
      try {
        for (const [imageId, image] of images) {
          if (signal.aborted) break;
          try {
            const scan = await scans.scan(environment.id, imageId, { scanner, signal, digest, as: image });
            if (scan.counts.critical + scan.counts.high > 0) flagged += 1;
          } catch (error) {
            failed.push(`${image}: ${(error as Error).message}`);
          }
        }
      } finally {
        digest.close();
      }
      const summary = `${images.size} image(s) scanned: ${flagged} with critical or high findings`;
      if (failed.length === images.size && failed.length > 0)
        throw new Error(`every scan failed; ${failed[0]}`);
      return failed.length > 0 ? `${summary}, ${failed.length} could not be scanned (${failed[0]})` : summary;
    },
  };
}
