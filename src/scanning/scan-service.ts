// Scans for the routes, the schedules and the update gate: runs the configured scanner on an
// image of an environment, keeps the result per image digest (a failed scan too, with why),
// tells people about critical and high findings, and decides whether an update may go ahead.
import type { DockerClient } from '../docker/client.ts';
import type { RegistryAuth } from '../docker/image-reference.ts';
import {
  type Gate,
  type ImageScan,
  type Scanner,
  SEVERITIES,
  type Severity,
  type SeverityCounts,
} from '../docker/views.ts';
import type { DockerClientPool } from '../environments/client-pool.ts';
import type { NotificationDigest, Notifier } from '../notifications/notifier.ts';
import type { EnvironmentStore } from '../store/environments.ts';
import type { ImageScanStore } from '../store/image-scans.ts';
import type { SettingsStore } from '../store/settings.ts';
import type { GateVerdict } from '../updates/apply-update.ts';
import type { GateFactory } from '../updates/update-schedules.ts';
import { runScanner } from './run-scanner.ts';
import { countBySeverity } from './scan-report.ts';

export interface ScanRequest {
  /** Default: the scanner the settings name. */
  scanner?: Scanner;
  report?: (step: string) => void;
  signal?: AbortSignal;
  /** Collects the findings notification instead of sending it alone. */
  digest?: NotificationDigest;
  /** The name to show when `image` is an id (the reference the containers use). */
  as?: string;
}

export class ScanService {
  constructor(
    private readonly deps: {
      environments: EnvironmentStore;
      clients: DockerClientPool;
      settings: SettingsStore;
      scans: ImageScanStore;
      notifier: Notifier;
      /** Saved registry credentials for pulling a scanner's image. */
      authFor: (reference: string) => Promise<RegistryAuth | undefined>;
    },
  ) {}

  /** Scans the image now and keeps the result, failed or not; a failure is thrown after. */
  async scan(environmentId: number, image: string, request: ScanRequest = {}): Promise<ImageScan> {
    const { client, name } = await this.environment(environmentId);
    const settings = await this.deps.settings.scanning();
    const scanner = request.scanner ?? settings.scanner;
    const scannerImage = scanner === 'grype' ? settings.grypeImage : settings.trivyImage;
    const { Id: digest } = await client.inspectImage(image);
    const base = {
      environmentId,
      image: request.as ?? image,
      digest,
      scanner,
      scannedAt: new Date().toISOString(),
    };
    try {
      const findings = await runScanner(client, {
        scanner,
        scannerImage,
        target: digest,
        auth: await this.deps.authFor(scannerImage),
        report: request.report,
        signal: request.signal,
      });
      const scan = await this.deps.scans.save({ ...base, ...findings, error: null });
      this.tellFindings(scan, name, request.digest);
      return scan;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await this.deps.scans.save({
        ...base,
        counts: countBySeverity([]),
        vulnerabilities: [],
        error: reason.slice(0, 2000),
      });
      throw error;
    }
  }

  /** The newest successful scan of the image by the scanner, or a scan made now. */
  async scanOnce(environmentId: number, image: string, scanner: Scanner, as?: string): Promise<ImageScan> {
    const { client } = await this.environment(environmentId);
    const { Id } = await client.inspectImage(image);
    const kept = (await this.deps.scans.forDigest(environmentId, Id)).find(
      (scan) => scan.scanner === scanner && scan.error === null,
    );
    return kept ?? this.scan(environmentId, image, { scanner, as });
  }

  /** The update gate (see GateFactory): scans the pulled image and compares as the policy says. */
  readonly gateFor: GateFactory = (environmentId, gate, running) => async (imageId, image) => {
    const { scanner } = await this.deps.settings.scanning();
    try {
      const next = await this.scanOnce(environmentId, imageId, scanner, image);
      const before = gate === 'worse' ? await this.scanOnce(environmentId, running.imageId, scanner) : null;
      return gateVerdict(gate, next.counts, before?.counts ?? null, scanner);
    } catch (error) {
      // A gate that cannot see refuses: an update must not go ahead unscanned when asked to be.
      return { verdict: `the scan failed: ${(error as Error).message}`, refuse: true };
    }
  };

  private async environment(id: number): Promise<{ client: DockerClient; name: string }> {
    const environment = await this.deps.environments.get(id);
    if (!environment) throw new Error(`environment ${id} no longer exists`);
    return { client: await this.deps.clients.clientFor(environment), name: environment.name };
  }

  private tellFindings(scan: ImageScan, environment: string, digest?: NotificationDigest): void {
    const { critical, high } = scan.counts;
    if (critical === 0 && high === 0) return;
    const event = {
      type: 'scan-findings' as const,
      severity: critical > 0 ? ('error' as const) : ('warning' as const),
      title: `${scan.image}: ${describeCounts(scan.counts)}`,
      message: scan.vulnerabilities
        .filter((each) => each.severity === 'critical' || each.severity === 'high')
        .slice(0, 10)
        .map((each) => `${each.severity} ${each.id} in ${each.package} ${each.installedVersion}`)
        .join('\n'),
      environment,
      target: scan.image,
      data: { image: scan.image, digest: scan.digest, scanner: scan.scanner, counts: scan.counts },
    };
    if (digest) digest.notify(event);
    else this.deps.notifier.notify(event);
  }
}

/** "1 critical, 2 high" (the severities found); "no vulnerabilities" when none. */
export function describeCounts(counts: SeverityCounts): string {
  const found = SEVERITIES.filter((severity) => counts[severity] > 0).map(
    (severity) => `${counts[severity]} ${severity}`,
  );
  return found.length > 0 ? found.join(', ') : 'no vulnerabilities';
}

/**
 * A threshold refuses any finding at or above it; "worse" refuses an image with more findings
 * than the running one at the first severity (most severe first) where their counts differ.
 */
export function gateVerdict(
  gate: Exclude<Gate, 'never'>,
  counts: SeverityCounts,
  running: SeverityCounts | null,
  scanner: Scanner,
): GateVerdict {
  const found = `${describeCounts(counts)} (${scanner})`;
  if (gate === 'worse') {
    if (!running) return { verdict: `${found}; the running image has no scan`, refuse: true };
    const differing = SEVERITIES.find((severity) => counts[severity] !== running[severity]);
    const worse = differing !== undefined && counts[differing] > running[differing];
    return {
      verdict: `${found}; the running image has ${describeCounts(running)}`,
      refuse: worse,
    };
  }
  const threshold = SEVERITIES.indexOf(gate as Severity);
  const over = SEVERITIES.slice(0, threshold + 1).filter((severity) => counts[severity] > 0);
  return { verdict: found, refuse: over.length > 0 };
}
