// One container's update: pull the new image, recreate the container with its full
// configuration (container-recreate.ts, which restores the old one if the new one cannot be
// created or started), wait for it to be healthy (or, without a healthcheck, to keep running for
// a grace period), and roll back to the previous image when it is not. A gate may refuse the
// new image first (a scan verdict). A dry run says what would happen and changes nothing.
import type { DockerClient } from '../docker/client.ts';
import { recreateContainer } from '../docker/container-recreate.ts';
import { specFromInspect } from '../docker/container-spec.ts';
import { type RegistryAuth, splitReference } from '../docker/image-reference.ts';
import type { UpdateOutcome } from '../docker/views.ts';

export interface GateVerdict {
  /** For people and the record: "0 critical, 2 high (grype)". */
  verdict: string;
  refuse: boolean;
}

export interface UpdatePlan {
  containerId: string;
  /** The image to move to: the same tag (a new digest) or a newer version tag. */
  targetImage?: string;
  auth?: RegistryAuth;
  /** How long a container without a healthcheck must keep running; also the longest wait for health. */
  graceSeconds: number;
  dryRun?: boolean;
  /** Decides on the pulled image (its id) before anything changes. */
  gate?: (imageId: string, image: string) => Promise<GateVerdict>;
  report?: (step: string) => void;
  /** How the container moves to the pulled image; default: recreate it, wait for health, roll back. */
  replacement?: Replacement;
}

/** Another way to put the pulled image in place (a stack's deploy), with its own rollback. */
export interface Replacement {
  /** For a dry run: "deploy stack shop again, which recreates its web service". */
  describe: string;
  run(
    report: (step: string) => void,
  ): Promise<{ outcome: 'updated' | 'rolled-back' | 'failed'; detail: string }>;
}

export interface UpdateResult {
  outcome: UpdateOutcome;
  container: string;
  containerId: string;
  fromImage: string;
  toImage: string;
  fromDigest: string | null;
  toDigest: string | null;
  scanVerdict: string | null;
  detail: string;
}

const POLL_MS = 500;

export async function applyUpdate(client: DockerClient, plan: UpdatePlan): Promise<UpdateResult> {
  const report = plan.report ?? (() => {});
  const old = await client.inspectContainer(plan.containerId);
  const name = old.Name.replace(/^\//, '');
  const fromImage = old.Config.Image;
  const toImage = plan.targetImage ?? fromImage;
  const oldImageId = String(old.Image);
  const fromDigest = await digestOf(client, oldImageId, fromImage);
  const result = (
    outcome: UpdateOutcome,
    detail: string,
    extra: Partial<UpdateResult> = {},
  ): UpdateResult => ({
    outcome,
    container: name,
    containerId: old.Id,
    fromImage,
    toImage,
    fromDigest,
    toDigest: null,
    scanVerdict: null,
    detail,
    ...extra,
  });
  if (plan.dryRun)
    return result(
      'dry-run',
      plan.replacement
        ? `would pull ${toImage} and ${plan.replacement.describe}`
        : `would pull ${toImage}, recreate ${name} and wait up to ${plan.graceSeconds} s for it`,
    );

  report(`pulling ${toImage}`);
  for await (const _ of client.pullImage(toImage, { auth: plan.auth })) {
    // progress is not needed here; the outcome is
  }
  const pulled = await client.inspectImage(toImage);
  const toDigest = await digestOf(client, pulled.Id, toImage);
  if (pulled.Id === oldImageId) return result('current', `${name} already runs ${toImage}`, { toDigest });

  let scanVerdict: string | null = null;
  if (plan.gate) {
    report('scanning the new image');
    const gate = await plan.gate(pulled.Id, toImage);
    scanVerdict = gate.verdict;
    if (gate.refuse) {
      if (toImage === fromImage) await client.tagImage(oldImageId, fromImage); // the tag keeps naming what runs
      return result('refused', `the scan gate refused ${toImage}: ${gate.verdict}`, {
        toDigest,
        scanVerdict,
      });
    }
  }

  if (plan.replacement) {
    const done = await plan.replacement.run(report);
    return result(done.outcome, done.detail, { toDigest, scanVerdict });
  }

  report(`recreating ${name}`);
  const spec = { ...specFromInspect(old), image: toImage };
  let newId: string;
  try {
    newId = await recreateContainer(client, old.Id, spec, { auth: plan.auth });
  } catch (error) {
    if (toImage === fromImage) await client.tagImage(oldImageId, fromImage).catch(() => {});
    return result('failed', `${(error as Error).message}`, { toDigest, scanVerdict });
  }

  report(`waiting for ${name} to be healthy`);
  const health = await waitUntilHealthy(client, newId, plan.graceSeconds * 1000);
  if (health.ok) return result('updated', health.reason, { toDigest, scanVerdict });

  report(`${health.reason}; rolling back`);
  // The tag named the new image; it names the old one again, so the container's
  // configuration (Image: the tag) stays exactly what it was.
  if (toImage === fromImage) await client.tagImage(oldImageId, fromImage);
  await recreateContainer(client, newId, { ...spec, image: fromImage });
  return result(
    'rolled-back',
    `${health.reason}; ${name} runs ${fromImage} (${fromDigest ?? oldImageId}) again`,
    {
      toDigest,
      scanVerdict,
    },
  );
}

/** Healthy, or (without a healthcheck) still running after the grace period without restarts. */
export async function waitUntilHealthy(
  client: DockerClient,
  id: string,
  graceMs: number,
): Promise<{ ok: boolean; reason: string }> {
  const deadline = Date.now() + graceMs;
  while (true) {
    const inspect = await client.inspectContainer(id);
    const state = inspect.State as {
      Running: boolean;
      Restarting?: boolean;
      ExitCode: number;
      Health?: { Status: string; Log?: { Output?: string }[] };
    };
    const restarts = Number((inspect as { RestartCount?: number }).RestartCount ?? 0);
    if (!state.Running && !state.Restarting)
      return { ok: false, reason: `the new container exited with code ${state.ExitCode}` };
    if (restarts > 0) return { ok: false, reason: 'the new container keeps restarting' };
    if (state.Health?.Status === 'healthy') return { ok: true, reason: 'the new container is healthy' };
    if (state.Health?.Status === 'unhealthy') {
      const last = state.Health.Log?.at(-1)?.Output?.trim();
      return { ok: false, reason: `the new container is unhealthy${last ? ` (${last.slice(0, 200)})` : ''}` };
    }
    if (Date.now() >= deadline) {
      return state.Health
        ? { ok: false, reason: `the new container was not healthy within ${Math.round(graceMs / 1000)} s` }
        : { ok: true, reason: `the new container kept running for ${Math.round(graceMs / 1000)} s` };
    }
    await Bun.sleep(POLL_MS);
  }
}

/** The registry digest an image was pulled as, under the reference's name. */
export async function digestOf(
  client: DockerClient,
  imageId: string,
  reference: string,
): Promise<string | null> {
  const { name } = splitReference(reference);
  const inspect = await client.inspectImage(imageId).catch(() => undefined);
  const entry = inspect?.RepoDigests.find((each) => each.startsWith(`${name}@`));
  return entry ? entry.slice(name.length + 1) : null;
}
