// Gets the image of every service before `up` creates anything: pulled as its pull_policy says,
// built through the Engine's /build endpoint, or, on a rollback, pinned to the exact digest an
// earlier revision ran (pulled by digest and tagged back as the service's reference).
import { isAbsolute, join } from 'node:path';
import type { DockerClient } from '../client.ts';
import { DockerApiError } from '../errors.ts';
import type { RegistryAuth } from '../image-reference.ts';
import { jsonLines } from '../streams.ts';
import type { DeployProgress, ServicePlan } from '../views.ts';
import { buildContextTar } from './build-context.ts';
import { imageOf } from './container-config.ts';
import type { ComposeProject, ServiceConfig } from './model.ts';
import { imageSource, localImageIds } from './project-state.ts';

export interface ImageOptions {
  report: (progress: DeployProgress, key?: string) => void;
  signal?: AbortSignal;
  /** Credentials for a reference's registry. */
  auth?: (reference: string) => Promise<RegistryAuth | undefined>;
  /** Service -> the exact image to run (`repo@sha256:...`, or an image id for a built one). */
  pinned?: Record<string, string>;
  /** Pull every image that has a registry, whatever its policy (the `pull` operation). */
  pullAll?: boolean;
}

/** Fails a deploy with a message that names the service. */
export class ServiceImageError extends Error {
  constructor(
    readonly service: string,
    message: string,
  ) {
    super(`${service}: ${message}`);
  }
}

/** Service -> the id of the image it will run. */
export async function ensureImages(
  client: DockerClient,
  project: ComposeProject,
  options: ImageOptions,
): Promise<Map<string, string>> {
  const services = Object.values(project.services);
  const present = await localImageIds(
    client,
    services.flatMap((service) => [
      imageOf(project, service),
      ...(options.pinned?.[service.name] ? [options.pinned[service.name] as string] : []),
    ]),
  );
  const ids = new Map<string, string>();
  // One pull per reference, however many services share it.
  const pulls = new Map<string, Promise<string>>();
  await Promise.all(
    services.map(async (service) => {
      const reference = imageOf(project, service);
      const pin = options.pinned?.[service.name];
      if (pin) {
        ids.set(service.name, await pinImage(client, service, reference, pin, present.get(pin), options));
        return;
      }
      const source = options.pullAll && service.image ? 'pull' : imageSource(service, present.has(reference));
      if (source === 'present') {
        const id = present.get(reference);
        if (!id)
          throw new ServiceImageError(
            service.name,
            `image ${reference} is not on the engine and pull_policy is never`,
          );
        ids.set(service.name, id);
      } else if (source === 'build') {
        ids.set(service.name, await buildImage(client, project, service, reference, options));
      } else {
        let pull = pulls.get(reference);
        if (!pull) {
          pull = pullImage(client, service.name, reference, options);
          pulls.set(reference, pull);
        }
        ids.set(service.name, await pull);
      }
    }),
  );
  return ids;
}

/** What a preview says about images, without pulling or building. */
export async function previewImages(
  client: DockerClient,
  project: ComposeProject,
): Promise<{ ids: Map<string, string>; sources: Map<string, ServicePlan['imageSource']> }> {
  const services = Object.values(project.services);
  const present = await localImageIds(
    client,
    services.map((service) => imageOf(project, service)),
  );
  const ids = new Map<string, string>();
  const sources = new Map<string, ServicePlan['imageSource']>();
  for (const service of services) {
    const id = present.get(imageOf(project, service));
    const source = imageSource(service, id !== undefined);
    sources.set(service.name, source);
    if (id && source === 'present') ids.set(service.name, id);
  }
  return { ids, sources };
}

/**
 * The image each service runs as a reference that names it exactly: `repo@sha256:...` when the
 * image came from a registry, else its id. A revision keeps these, to roll back to.
 */
export async function pinnedReferences(
  client: DockerClient,
  project: ComposeProject,
  ids: Map<string, string>,
): Promise<Record<string, string>> {
  const pinned: Record<string, string> = {};
  for (const service of Object.values(project.services)) {
    const id = ids.get(service.name);
    if (!id) continue;
    const image = await client.inspectImage(id);
    const repository = repositoryOf(imageOf(project, service));
    const digest = image.RepoDigests.find((candidate) => candidate.split('@')[0] === repository);
    pinned[service.name] = digest ?? id;
  }
  return pinned;
}

async function pullImage(
  client: DockerClient,
  service: string,
  reference: string,
  options: ImageOptions,
): Promise<string> {
  options.report({ kind: 'step', service, target: reference, action: 'pull', status: 'started' });
  try {
    const auth = await options.auth?.(reference);
    for await (const event of client.pullImage(reference, { auth, signal: options.signal })) {
      if (event.id && event.progressDetail !== undefined) {
        options.report(
          {
            kind: 'layer',
            service,
            id: event.id,
            status: event.status ?? '',
            ...(event.progressDetail.current !== undefined ? { current: event.progressDetail.current } : {}),
            ...(event.progressDetail.total !== undefined ? { total: event.progressDetail.total } : {}),
          },
          `layer:${service}:${event.id}`,
        );
      }
    }
    const { Id } = await client.inspectImage(reference, { signal: options.signal });
    options.report({ kind: 'step', service, target: reference, action: 'pull', status: 'done' });
    return Id;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    options.report({ kind: 'step', service, target: reference, action: 'pull', status: 'failed', message });
    throw new ServiceImageError(service, `pulling ${reference} failed: ${message}`);
  }
}

async function pinImage(
  client: DockerClient,
  service: ServiceConfig,
  reference: string,
  pin: string,
  presentId: string | undefined,
  options: ImageOptions,
): Promise<string> {
  let id = presentId;
  if (!id) {
    if (!pin.includes('@'))
      throw new ServiceImageError(
        service.name,
        `image ${pin} is no longer on the engine and has no registry digest`,
      );
    id = await pullImage(client, service.name, pin, options);
  }
  await client.tagImage(id, reference);
  return id;
}

async function buildImage(
  client: DockerClient,
  project: ComposeProject,
  service: ServiceConfig,
  reference: string,
  options: ImageOptions,
): Promise<string> {
  const build = service.build;
  if (!build)
    throw new ServiceImageError(service.name, `image ${reference} is missing and the service has no build`);
  options.report({
    kind: 'step',
    service: service.name,
    target: reference,
    action: 'build',
    status: 'started',
  });
  const context = isAbsolute(build.context) ? build.context : join(project.working_dir, build.context);
  const inlineName = '.windflow.inline.Dockerfile';
  const json = (value: unknown) => (value === undefined ? undefined : JSON.stringify(value));
  let builtId: string | undefined;
  try {
    const body = await client.stream('POST', '/build', {
      query: {
        t: reference,
        dockerfile: build.dockerfile_inline ? inlineName : (build.dockerfile ?? 'Dockerfile'),
        buildargs: json(
          build.args && Object.fromEntries(Object.entries(build.args).filter(([, value]) => value !== null)),
        ),
        labels: json(build.labels),
        target: build.target,
        pull: build.pull,
        nocache: build.no_cache,
        networkmode: build.network,
        shmsize: build.shm_size,
        extrahosts: build.extra_hosts
          ? Object.entries(build.extra_hosts)
              .flatMap(([host, ips]) => ips.map((ip) => `${host}:${ip}`))
              .join(',')
          : undefined,
        cachefrom: json(build.cache_from),
      },
      body: buildContextTar(
        context,
        build.dockerfile_inline ? { [inlineName]: build.dockerfile_inline } : {},
      ),
      signal: options.signal,
      timeoutMs: 30 * 60_000,
    });
    try {
      for await (const line of jsonLines<{
        stream?: string;
        error?: string;
        errorDetail?: { message?: string };
        aux?: { ID?: string };
      }>(body)) {
        if (line.error) throw new Error(line.errorDetail?.message ?? line.error);
        if (line.aux?.ID) builtId = line.aux.ID;
        const text = line.stream?.trimEnd();
        if (text) options.report({ kind: 'output', service: service.name, text });
      }
    } finally {
      await body.cancel().catch(() => undefined);
    }
    for (const tag of build.tags ?? []) await client.tagImage(reference, tag);
    const id = builtId ?? (await client.inspectImage(reference)).Id;
    options.report({
      kind: 'step',
      service: service.name,
      target: reference,
      action: 'build',
      status: 'done',
    });
    return id;
  } catch (error) {
    const message = error instanceof DockerApiError || error instanceof Error ? error.message : String(error);
    options.report({
      kind: 'step',
      service: service.name,
      target: reference,
      action: 'build',
      status: 'failed',
      message,
    });
    throw new ServiceImageError(service.name, `building ${reference} failed: ${message}`);
  }
}

/** `host:5000/app:tag` -> `host:5000/app`, as RepoDigests spell the repository. */
function repositoryOf(reference: string): string {
  const withoutDigest = reference.split('@')[0] ?? reference;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > lastSlash ? withoutDigest.slice(0, colon) : withoutDigest;
}
