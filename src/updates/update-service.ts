// Update checks and updates for the routes and the schedules: runs the checker and applyUpdate
// with the saved registry credentials (a service of a stack Windflow deploys goes through the
// stack's deploy), records every update (from, to, scan verdict, outcome)
// and audits it, and tells people: "update available" once per new digest, "updated",
// "rolled back", "failed" — through a digest when a schedule run covers many containers.
import type { Principal } from '../auth/principal.ts';
import type { DockerClient } from '../docker/client.ts';
import { LABEL } from '../docker/compose/labels.ts';
import { type RegistryAuth, registryHostOf } from '../docker/image-reference.ts';
import type { ContainerInspect } from '../docker/types.ts';
import type { ContainerUpdate } from '../docker/views.ts';
import type { DockerClientPool } from '../environments/client-pool.ts';
import { HttpError } from '../http/errors.ts';
import type { JobRegistry } from '../jobs/job-registry.ts';
import type { NotificationEvent } from '../notifications/events.ts';
import type { NotificationDigest, Notifier } from '../notifications/notifier.ts';
import type { StackService } from '../stacks/stack-service.ts';
import type { AuditLog } from '../store/audit-log.ts';
import type { EnvironmentStore } from '../store/environments.ts';
import type { Environment } from '../store/records.ts';
import type { RegistryStore } from '../store/registries.ts';
import type { UpdateStore } from '../store/updates.ts';
import { applyUpdate, type GateVerdict, type UpdateResult } from './apply-update.ts';
import { stackReplacement } from './stack-update.ts';
import type { UpdateChecker } from './update-checker.ts';

export interface UpdateRequest {
  containerId: string;
  targetImage?: string;
  dryRun?: boolean;
  graceSeconds?: number;
  gate?: (imageId: string, image: string) => Promise<GateVerdict>;
  /** A user name, or "schedule: <name>". */
  startedBy: string;
  userId?: number | null;
  /** The person asking (a stack's deploy vets its file for them); none for a schedule. */
  principal?: Principal;
  scheduleId?: number | null;
  report?: (step: string) => void;
  /** Collects the notification instead of sending it alone. */
  digest?: NotificationDigest;
}

export const DEFAULT_GRACE_SECONDS = 30;

export class UpdateService {
  constructor(
    private readonly deps: {
      environments: EnvironmentStore;
      clients: DockerClientPool;
      registries: RegistryStore;
      checker: UpdateChecker;
      updates: UpdateStore;
      notifier: Notifier;
      audit: AuditLog;
      /** Stack services are updated through their stack's deploy. */
      stacks: StackService;
      jobs: JobRegistry;
    },
  ) {}

  async environment(id: number): Promise<{ environment: Environment; client: DockerClient }> {
    const environment = await this.deps.environments.get(id);
    if (!environment) throw new Error(`environment ${id} no longer exists`);
    return { environment, client: await this.deps.clients.clientFor(environment) };
  }

  /** Asks the registries now; tells about updates that were not there at the previous check. */
  async check(environmentId: number, digest?: NotificationDigest): Promise<ContainerUpdate[]> {
    const { environment, client } = await this.environment(environmentId);
    const before = await this.deps.updates.checks(environmentId);
    const results = await this.deps.checker.checkEnvironment(environmentId, client, { fresh: true });
    const told = new Set<string>();
    for (const result of results) {
      const previous = before.get(result.image);
      const isNew = previous?.status !== 'available' || previous.remoteDigest !== result.remoteDigest;
      if (result.status !== 'available' || !isNew || told.has(result.image)) continue;
      told.add(result.image);
      const users = results.filter((each) => each.image === result.image).map((each) => each.containerName);
      this.tell(digest, {
        type: 'update-available',
        severity: 'info',
        title: `Update available for ${result.image}`,
        message: `${users.join(', ')} run ${short(result.localDigest)}; the registry has ${short(result.remoteDigest)}`,
        environment: environment.name,
        target: result.image,
        data: { image: result.image, containers: users, from: result.localDigest, to: result.remoteDigest },
      });
    }
    return results;
  }

  lastResults(environmentId: number, client: DockerClient): Promise<ContainerUpdate[]> {
    return this.deps.checker.lastResults(environmentId, client);
  }

  /** Updates one container; the result is recorded, audited and told, whatever it is. */
  async update(environmentId: number, request: UpdateRequest): Promise<UpdateResult> {
    const { environment, client } = await this.environment(environmentId);
    const startedAt = new Date().toISOString();
    const current = await client.inspectContainer(request.containerId);
    const stack = await this.managedStackOf(environmentId, current);
    if (stack && request.targetImage && request.targetImage !== current.Config.Image)
      throw new HttpError(
        409,
        'STACK_SERVICE_TAG',
        `${stack.project}/${stack.service} runs the tag its stack's file names: edit the stack to move it to another tag`,
      );
    const result = await applyUpdate(client, {
      containerId: request.containerId,
      targetImage: request.targetImage,
      auth: await this.authFor(request.targetImage ?? current.Config.Image),
      graceSeconds: request.graceSeconds ?? DEFAULT_GRACE_SECONDS,
      dryRun: request.dryRun,
      gate: request.gate,
      report: request.report,
      replacement: stack
        ? stackReplacement(this.deps.stacks, this.deps.jobs, {
            environmentId,
            ...stack,
            principal: request.principal,
          })
        : undefined,
    });
    if (result.outcome === 'current') return result;
    await this.deps.updates.addRun({
      environmentId,
      scheduleId: request.scheduleId ?? null,
      container: result.container,
      fromImage: result.fromImage,
      toImage: result.toImage,
      fromDigest: result.fromDigest,
      toDigest: result.toDigest,
      scanVerdict: result.scanVerdict,
      outcome: result.outcome,
      detail: result.detail,
      startedBy: request.startedBy,
      startedAt,
    });
    if (result.outcome === 'dry-run') return result;
    await this.deps.audit.record({
      userId: request.userId ?? null,
      username: request.startedBy,
      sourceIp: '',
      environmentId,
      action: 'containers:update',
      target: `${result.container}: ${result.fromImage} -> ${result.toImage}`,
      outcome: result.outcome === 'updated' ? 'success' : 'failure',
      status: result.outcome === 'updated' ? 200 : 409,
      detail: `update ${result.outcome}: ${result.detail}`,
    });
    const told: Record<
      Exclude<UpdateResult['outcome'], 'current' | 'dry-run'>,
      Pick<NotificationEvent, 'type' | 'severity' | 'title'>
    > = {
      updated: {
        type: 'updated',
        severity: 'info',
        title: `${result.container} updated to ${result.toImage}`,
      },
      'rolled-back': {
        type: 'rolled-back',
        severity: 'error',
        title: `${result.container} rolled back: the update to ${result.toImage} failed`,
      },
      refused: {
        type: 'scan-findings',
        severity: 'warning',
        title: `${result.container} not updated: the scan gate refused ${result.toImage}`,
      },
      failed: {
        type: 'rolled-back',
        severity: 'error',
        title: `${result.container} could not be updated to ${result.toImage}`,
      },
    };
    this.tell(request.digest, {
      ...told[result.outcome],
      message: `${result.detail}\nfrom ${short(result.fromDigest)} to ${short(result.toDigest)}${result.scanVerdict ? `\nscan: ${result.scanVerdict}` : ''}`,
      environment: environment.name,
      target: result.container,
      data: { ...result },
    });
    return result;
  }

  /** The Windflow stack and service a container belongs to, if Windflow deploys that stack. */
  private async managedStackOf(
    environmentId: number,
    container: ContainerInspect,
  ): Promise<{ project: string; service: string } | undefined> {
    const labels = container.Config.Labels ?? {};
    const project = labels[LABEL.project];
    const service = labels[LABEL.service];
    if (!project || !service) return undefined;
    return (await this.deps.stacks.manages(environmentId, project)) ? { project, service } : undefined;
  }

  /** Saved credentials for the reference's registry, as the daemon takes them. */
  async authFor(reference: string): Promise<RegistryAuth | undefined> {
    const registry = await this.deps.registries.findByHost(registryHostOf(reference));
    if (!registry) return undefined;
    const credentials = await this.deps.registries.credentials(registry.id);
    return {
      username: credentials?.username,
      password: credentials?.password,
      serveraddress: new URL(registry.url).host,
    };
  }

  private tell(digest: NotificationDigest | undefined, event: NotificationEvent): void {
    if (digest) digest.notify(event);
    else this.deps.notifier.notify(event);
  }
}

function short(digest: string | null): string {
  return digest ? digest.replace(/^sha256:/, '').slice(0, 12) : 'an unknown digest';
}
