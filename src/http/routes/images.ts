// Images of one environment: list, inspect, history, pull and push as background jobs with
// per-layer progress, tag and untag, remove, prune, export and import.
import { Elysia, t } from 'elysia';
import type { Principal } from '../../auth/principal.ts';
import type { RegistryAuth } from '../../docker/image-reference.ts';
import { registryHostOf } from '../../docker/image-reference.ts';
import {
  exportImage,
  followProgress,
  imageHistory,
  importImages,
  listImageViews,
  pruneImages,
  removeImage,
  untagImage,
} from '../../docker/images.ts';
import type { DockerClientPool } from '../../environments/client-pool.ts';
import type { JobRegistry } from '../../jobs/job-registry.ts';
import type { EnvironmentStore } from '../../store/environments.ts';
import { type RegistryStore, registryHostOfUrl } from '../../store/registries.ts';
import type { AccessControl } from '../access.ts';
import { attachment } from '../attachment.ts';
import { HttpError } from '../errors.ts';
import { EnvironmentIdParams, ErrorSchema, isFlagSet, QueryFlag } from '../schemas.ts';
import { requireEnvironment } from './environments.ts';
import { JobSchema } from './jobs.ts';

export interface ImageRouteDeps {
  access: AccessControl;
  environments: EnvironmentStore;
  clients: DockerClientPool;
  registries: RegistryStore;
  jobs: JobRegistry;
}

const tags = ['images'];
const failures = { 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 502: ErrorSchema, 504: ErrorSchema };
export const Reference = t.String({
  minLength: 1,
  maxLength: 512,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._/:@-]*$',
  error: 'an image reference looks like nginx:1.27, registry.example.com:5000/team/app:tag or an image id',
});
const ReferenceQuery = t.Object({ ref: Reference });
const TransferBody = t.Object({
  reference: Reference,
  registryId: t.Optional(
    t.Integer({
      minimum: 1,
      description: 'saved registry whose credentials to use (default: the one for the host)',
    }),
  ),
});

const ImageSchema = t.Object(
  {
    id: t.String(),
    tags: t.Array(t.String()),
    digests: t.Array(t.String()),
    size: t.Number(),
    createdAt: t.String(),
    containers: t.Integer({ description: 'containers using it' }),
    dangling: t.Boolean(),
  },
  { title: 'Image' },
);

export function imageRoutes({ access, environments, clients, registries, jobs }: ImageRouteDeps) {
  const clientOf = async (id: number) => clients.clientFor(await requireEnvironment(environments, id));

  /**
   * Saved credentials for the reference's registry: the one asked for, else the host's. A saved
   * registry's credentials only ever go to its own host.
   */
  const authFor = async (reference: string, registryId?: number): Promise<RegistryAuth | undefined> => {
    const host = registryHostOf(reference);
    const registry = registryId ? await registries.get(registryId) : await registries.findByHost(host);
    if (registryId && !registry)
      throw new HttpError(404, 'REGISTRY_NOT_FOUND', `No saved registry ${registryId}`);
    if (!registry) return undefined;
    const own = registryHostOfUrl(registry.url);
    if (own !== host) {
      throw new HttpError(
        400,
        'REGISTRY_HOST_MISMATCH',
        `The saved registry "${registry.name}" holds credentials for ${own}; ${reference} is on ${host}`,
      );
    }
    const credentials = await registries.credentials(registry.id);
    return {
      username: credentials?.username,
      password: credentials?.password,
      serveraddress: new URL(registry.url).host,
    };
  };

  const startTransfer = async (
    kind: 'images:pull' | 'images:push',
    environmentId: number,
    body: { reference: string; registryId?: number },
    principal: Principal | undefined,
  ) => {
    const client = await clientOf(environmentId);
    const auth = await authFor(body.reference, body.registryId);
    if (kind === 'images:push') await client.inspectImage(body.reference); // a missing image is a 404 now, not a failed job
    const id = jobs.start(
      kind,
      environmentId,
      body.reference,
      (report, signal) =>
        followProgress(
          kind === 'images:pull'
            ? client.pullImage(body.reference, { auth, signal })
            : client.pushImage(body.reference, { auth, signal }),
          report,
        ),
      principal && { userId: principal.userId, username: principal.username },
    );
    return jobs.get(id);
  };

  const routes = new Elysia({ prefix: '/api/environments/:id/images' })
    .use(access)
    .get('', async ({ params }) => listImageViews(await clientOf(params.id)), {
      access: 'images:read',
      params: EnvironmentIdParams,
      response: { 200: t.Array(ImageSchema), ...failures },
      detail: { summary: 'List images with tags, digests, size and how many containers use each', tags },
    })
    .get('/inspect', async ({ params, query }) => (await clientOf(params.id)).inspectImage(query.ref), {
      access: 'images:read',
      params: EnvironmentIdParams,
      query: ReferenceQuery,
      response: failures,
      detail: { summary: "The Engine's inspect document of an image", tags },
    })
    .get('/history', async ({ params, query }) => imageHistory(await clientOf(params.id), query.ref), {
      access: 'images:read',
      params: EnvironmentIdParams,
      query: ReferenceQuery,
      response: failures,
      detail: { summary: 'The layers of an image, newest first, with the command that made each', tags },
    })
    .post(
      '/tag',
      async ({ params, body, set }) => {
        await (await clientOf(params.id)).tagImage(body.source, body.target);
        set.status = 204;
      },
      {
        access: 'images:push',
        params: EnvironmentIdParams,
        body: t.Object({ source: Reference, target: Reference }),
        response: { 204: t.Void(), ...failures },
        detail: { summary: 'Give an image another reference', tags },
      },
    )
    .post(
      '/untag',
      async ({ params, body, set }) => {
        await untagImage(await clientOf(params.id), body.tag);
        set.status = 204;
      },
      {
        access: 'images:delete',
        params: EnvironmentIdParams,
        body: t.Object({ tag: Reference }),
        response: { 204: t.Void(), ...failures },
        detail: { summary: 'Remove one reference; the image stays while it has others', tags },
      },
    )
    .delete(
      '',
      async ({ params, query, set }) => {
        await removeImage(await clientOf(params.id), query.ref, isFlagSet(query.force));
        set.status = 204;
      },
      {
        access: 'images:delete',
        params: EnvironmentIdParams,
        query: t.Object({ ref: Reference, force: QueryFlag('remove it even when in use') }),
        response: { 204: t.Void(), ...failures },
        detail: {
          summary: 'Remove an image; in use, it is refused with the containers named unless forced',
          tags,
        },
      },
    )
    .post('/prune', async ({ params, body }) => pruneImages(await clientOf(params.id), body?.all ?? false), {
      access: 'images:delete',
      params: EnvironmentIdParams,
      body: t.Optional(
        t.Object({
          all: t.Optional(t.Boolean({ description: 'every unused image, not only dangling ones' })),
        }),
      ),
      response: { 200: t.Object({ deleted: t.Array(t.String()), spaceReclaimed: t.Number() }), ...failures },
      detail: { summary: 'Remove dangling (or all unused) images; says how much space came back', tags },
    })
    .get(
      '/export',
      async ({ params, query }) => {
        const archive = await exportImage(await clientOf(params.id), query.ref);
        return attachment(archive, `${query.ref.replace(/[^A-Za-z0-9._-]+/g, '_')}.tar`, 'application/x-tar');
      },
      {
        access: 'images:read',
        params: EnvironmentIdParams,
        query: ReferenceQuery,
        response: failures,
        detail: { summary: 'The image as a tar (docker save format)', tags },
      },
    )
    .post(
      '/import',
      async ({ params, body, set }) => {
        // The body limits hand streamed routes their body as a stream, counted against its limit.
        if (!(body instanceof ReadableStream))
          throw new HttpError(400, 'IMAGE_ARCHIVE_INVALID', 'Send the tar as the request body');
        const loaded = await importImages(await clientOf(params.id), body);
        set.status = 201;
        return { loaded };
      },
      {
        access: 'images:pull',
        params: EnvironmentIdParams,
        response: { 201: t.Object({ loaded: t.Array(t.String()) }), ...failures },
        detail: { summary: 'Load images from a tar (docker save format)', tags },
      },
    );

  const transfers = [
    ['pull', 'Start pulling an image; follow the job for per-layer progress'],
    ['push', 'Start pushing an image to its registry; follow the job for progress'],
  ] as const;
  for (const [direction, summary] of transfers) {
    routes.post(
      `/${direction}`,
      async ({ params, body, principal, set }) => {
        set.status = 202;
        return startTransfer(`images:${direction}`, params.id, body, principal);
      },
      {
        access: `images:${direction}`,
        params: EnvironmentIdParams,
        body: TransferBody,
        response: { 202: JobSchema, ...failures },
        detail: { summary, tags },
      },
    );
  }
  return routes;
}
