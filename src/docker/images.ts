// Images of one engine as Windflow shows them (tags, digests, which containers use them),
// their history, removal that names the containers in the way, prune, tag/untag, and pulls
// and pushes reported layer by layer.
import { HttpError } from '../http/errors.ts';
import type { DockerClient } from './client.ts';
import { DockerApiError } from './errors.ts';
import { dockerImageName } from './podman.ts';
import type { PullProgress } from './types.ts';
import type { HistoryLayer, ImageView, LayerProgress } from './views.ts';

export async function listImageViews(client: DockerClient): Promise<ImageView[]> {
  const [images, containers, shown] = await Promise.all([
    client.listImages(),
    client.listContainers({ all: true }),
    imageNaming(client),
  ]);
  const users = new Map<string, number>();
  for (const container of containers) {
    const imageId = String(container.ImageID ?? '');
    users.set(imageId, (users.get(imageId) ?? 0) + 1);
  }
  return images.map((image) => {
    const tags = (image.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>').map(shown);
    return {
      id: image.Id,
      tags,
      digests: (image.RepoDigests ?? []).filter((digest) => !digest.startsWith('<none>')).map(shown),
      size: image.Size,
      createdAt: new Date(Number(image.Created) * 1000).toISOString(),
      containers: users.get(image.Id) ?? 0,
      dangling: tags.length === 0,
    };
  });
}

export async function imageHistory(client: DockerClient, reference: string): Promise<HistoryLayer[]> {
  const layers = await client.request<
    { Id: string; Created: number; CreatedBy: string; Size: number; Comment: string; Tags: string[] | null }[]
  >('GET', `/images/${encodeURIComponent(reference)}/history`);
  return layers.map((layer) => ({
    id: layer.Id,
    createdAt: new Date(layer.Created * 1000).toISOString(),
    createdBy: layer.CreatedBy,
    size: layer.Size,
    comment: layer.Comment,
    tags: layer.Tags ?? [],
  }));
}

/**
 * Removes an image. In use: refused with the containers named, unless `force` (then the
 * Engine untags it and the containers keep running on it).
 */
export async function removeImage(client: DockerClient, reference: string, force: boolean): Promise<void> {
  if (!force) {
    const image = await client.inspectImage(reference);
    // Podman's ancestor filter takes the id without its sha256: prefix; Docker takes either.
    const users = await client.listContainers({
      all: true,
      filters: { ancestor: [image.Id.replace(/^sha256:/, '')] },
    });
    const direct = users.filter((container) => container.ImageID === image.Id);
    if (direct.length > 0) {
      const names = direct.map((container) =>
        (container.Names[0] ?? container.Id.slice(0, 12)).replace(/^\//, ''),
      );
      throw new HttpError(
        409,
        'IMAGE_IN_USE',
        `The image is used by ${names.join(', ')}: remove ${names.length === 1 ? 'that container' : 'those containers'} first, or force the removal`,
      );
    }
  }
  await client.removeImage(reference, { force });
}

/** Removes one tag; the image stays while it has others (or containers). */
export async function untagImage(client: DockerClient, tag: string): Promise<void> {
  await client.request('DELETE', `/images/${encodeURIComponent(tag)}`, { query: { noprune: true } });
}

export async function pruneImages(
  client: DockerClient,
  allUnused: boolean,
  /** Only images with these labels ("key" or "key=value"). */
  labels: string[] = [],
): Promise<{ deleted: string[]; spaceReclaimed: number }> {
  const answer = await client.request<{
    ImagesDeleted: { Deleted?: string; Untagged?: string }[] | null;
    SpaceReclaimed: number;
  }>('POST', '/images/prune', {
    query: {
      filters: JSON.stringify({
        dangling: [allUnused ? 'false' : 'true'],
        ...(labels.length ? { label: labels } : {}),
      }),
    },
    timeoutMs: 10 * 60_000,
  });
  return {
    deleted: (answer.ImagesDeleted ?? []).flatMap((entry) => (entry.Deleted ? [entry.Deleted] : [])),
    spaceReclaimed: answer.SpaceReclaimed,
  };
}

/** The image (all its tags named) as a `docker save` tar stream. */
export function exportImage(client: DockerClient, reference: string): Promise<ReadableStream<Uint8Array>> {
  return client.stream('GET', `/images/${encodeURIComponent(reference)}/get`);
}

/** Loads a `docker save` tar; returns what the Engine says it loaded. */
export async function importImages(
  client: DockerClient,
  archive: ReadableStream<Uint8Array>,
): Promise<string[]> {
  // Docker reports an unreadable archive in the stream, Podman as a refusal.
  const body = await client
    .stream('POST', '/images/load', { query: { quiet: true }, body: archive, timeoutMs: 30 * 60_000 })
    .catch((error: unknown) => {
      if (error instanceof DockerApiError && error.status === 400)
        throw new HttpError(400, 'IMAGE_ARCHIVE_INVALID', error.message);
      throw error;
    });
  const text = await new Response(body).text();
  const loaded: string[] = [];
  for (const line of text.split('\n').filter(Boolean)) {
    const message = JSON.parse(line) as {
      stream?: string;
      error?: string;
      errorDetail?: { message?: string };
    };
    if (message.error)
      throw new HttpError(400, 'IMAGE_ARCHIVE_INVALID', message.errorDetail?.message ?? message.error);
    const match = /Loaded image(?: ID)?: (.+)/.exec(message.stream ?? '');
    if (match?.[1]) loaded.push(match[1].trim());
  }
  return loaded.map(await imageNaming(client));
}

/** Image names as Docker shows them, on Podman too (see podman.ts). */
async function imageNaming(client: DockerClient): Promise<(name: string) => string> {
  return (await client.engineKind()) === 'podman' ? dockerImageName : (name) => name;
}

/**
 * Follows a pull or push, reporting each layer's latest state (keyed by layer, so a replay
 * keeps only the latest of each) and the Engine's other messages as they come.
 */
export async function followProgress(
  events: AsyncIterable<PullProgress>,
  report: (data: unknown, key?: string) => void,
): Promise<void> {
  try {
    for await (const event of events) {
      if (event.id && event.progressDetail !== undefined) {
        const layer: LayerProgress = {
          id: event.id,
          status: event.status ?? '',
          ...(event.progressDetail.current !== undefined ? { current: event.progressDetail.current } : {}),
          ...(event.progressDetail.total !== undefined ? { total: event.progressDetail.total } : {}),
        };
        report({ kind: 'layer', ...layer }, `layer:${event.id}`);
      } else if (event.status) {
        report({ kind: 'status', status: event.id ? `${event.id}: ${event.status}` : event.status });
      }
    }
  } catch (error) {
    if (error instanceof DockerApiError) throw new Error(error.message);
    throw error;
  }
}
