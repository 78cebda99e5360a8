// Volumes of one environment, and the browser for the files inside them.
import { Elysia, t } from 'elysia';
import { pruneVolumes } from '../../docker/system.ts';
import { type Download, VolumeBrowser } from '../../docker/volume-browser.ts';
import { VolumeHelpers } from '../../docker/volume-helper.ts';
import { createVolume, inspectVolume, listVolumes, removeVolume } from '../../docker/volumes.ts';
import type { DockerClientPool } from '../../environments/client-pool.ts';
import type { EnvironmentStore } from '../../store/environments.ts';
import type { AccessControl } from '../access.ts';
import { attachment } from '../attachment.ts';
import { HttpError } from '../errors.ts';
import { authorizeVolume } from '../host-access.ts';
import { ErrorSchema } from '../schemas.ts';
import { requireEnvironment } from './environments.ts';
import { LabelFilter } from './system.ts';

export interface VolumeRouteDeps {
  access: AccessControl;
  environments: EnvironmentStore;
  clients: DockerClientPool;
  /** Shared helper containers; the app closes them at shutdown. Default: a private set. */
  volumeHelpers?: VolumeHelpers;
}

const tags = ['volumes'];
const StringMap = t.Record(t.String(), t.String());
const failures = { 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 502: ErrorSchema, 504: ErrorSchema };

const VolumeName = t.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
  maxLength: 255,
  error: 'a volume name is letters, digits, dots, dashes and underscores, starting with a letter or digit',
});
const VolumeParams = t.Object({ id: t.Integer({ minimum: 1 }), name: VolumeName });
const PathQuery = t.Object({
  path: t.Optional(
    t.String({ maxLength: 4096, description: "relative to the volume's root; empty for the root" }),
  ),
});

const ContainerRefSchema = t.Object({ id: t.String(), name: t.String(), state: t.String() });
const VolumeSchema = t.Object(
  {
    name: t.String(),
    driver: t.String(),
    mountpoint: t.String(),
    scope: t.String(),
    labels: StringMap,
    options: StringMap,
    createdAt: t.Nullable(t.String()),
    size: t.Nullable(t.Number({ description: 'bytes, where the daemon knows' })),
    usedBy: t.Array(ContainerRefSchema),
  },
  { title: 'Volume' },
);
const EntrySchema = t.Object(
  {
    name: t.String(),
    path: t.String(),
    type: t.Union([t.Literal('file'), t.Literal('directory'), t.Literal('symlink'), t.Literal('other')]),
    size: t.Number(),
    mode: t.String({ description: 'permission bits in octal' }),
    uid: t.Integer(),
    gid: t.Integer(),
    mtime: t.String(),
    target: t.Optional(t.String({ description: 'where a symbolic link points' })),
  },
  { title: 'VolumeEntry' },
);

export function volumeRoutes({ access, environments, clients, volumeHelpers }: VolumeRouteDeps) {
  const helpers = volumeHelpers ?? new VolumeHelpers();
  const browser = new VolumeBrowser(helpers);
  const clientOf = async (id: number) => clients.clientFor(await requireEnvironment(environments, id));

  return new Elysia({ prefix: '/api/environments/:id/volumes' })
    .use(access)
    .get('', async ({ params }) => listVolumes(await clientOf(params.id)), {
      access: 'volumes:read',
      params: t.Object({ id: t.Integer({ minimum: 1 }) }),
      response: { 200: t.Array(VolumeSchema), ...failures },
      detail: { summary: 'List volumes with their size and the containers using them', tags },
    })
    .post(
      '',
      async ({ params, body, set, principal }) => {
        const environment = await requireEnvironment(environments, params.id);
        authorizeVolume(principal, environment, body.driver || 'local', body.driverOptions ?? {});
        const volume = await createVolume(await clients.clientFor(environment), body);
        set.status = 201;
        return volume;
      },
      {
        access: 'volumes:create',
        params: t.Object({ id: t.Integer({ minimum: 1 }) }),
        body: t.Object({
          name: t.Optional(VolumeName),
          driver: t.Optional(t.String({ minLength: 1, maxLength: 128, description: 'default: local' })),
          driverOptions: t.Optional(StringMap),
          labels: t.Optional(StringMap),
        }),
        response: { 201: VolumeSchema, ...failures },
        detail: { summary: 'Create a volume', tags },
      },
    )
    .post(
      '/prune',
      async ({ params, body }) => {
        const client = await clientOf(params.id);
        await helpers.releaseIdle(client);
        return pruneVolumes(client, body?.label);
      },
      {
        access: 'volumes:delete',
        params: t.Object({ id: t.Integer({ minimum: 1 }) }),
        body: t.Optional(t.Object({ label: t.Optional(LabelFilter) })),
        response: {
          200: t.Object({ deleted: t.Array(t.String()), spaceReclaimed: t.Number() }),
          ...failures,
        },
        detail: { summary: 'Remove every volume no container uses', tags },
      },
    )
    .get('/:name', async ({ params }) => inspectVolume(await clientOf(params.id), params.name), {
      access: 'volumes:read',
      params: VolumeParams,
      response: { 200: t.Composite([VolumeSchema, t.Object({ raw: t.Unknown() })]), ...failures },
      detail: { summary: "One volume, with the Engine's own JSON as raw", tags },
    })
    .delete(
      '/:name',
      async ({ params, set }) => {
        const client = await clientOf(params.id);
        await helpers.releaseIdle(client, params.name);
        await removeVolume(client, params.name);
        set.status = 204;
      },
      {
        access: 'volumes:delete',
        params: VolumeParams,
        response: { 204: t.Void(), ...failures },
        detail: { summary: 'Remove a volume (refused, naming them, while containers use it)', tags },
      },
    )
    .get(
      '/:name/browse',
      async ({ params, query }) => browser.list(await clientOf(params.id), params.name, query.path ?? ''),
      {
        access: 'volumes:browse',
        params: VolumeParams,
        query: PathQuery,
        response: {
          200: t.Object({ path: t.String(), entries: t.Array(EntrySchema) }, { title: 'DirectoryListing' }),
          ...failures,
        },
        detail: { summary: 'List a folder inside the volume', tags },
      },
    )
    .get(
      '/:name/browse/text',
      async ({ params, query }) =>
        browser.readText(await clientOf(params.id), params.name, query.path ?? '', query.limit),
      {
        access: 'volumes:browse',
        params: VolumeParams,
        query: t.Object({
          path: t.String({ maxLength: 4096 }),
          limit: t.Optional(
            t.Integer({ minimum: 1, maximum: 16 * 1024 * 1024, description: 'bytes, default 1 MiB' }),
          ),
        }),
        response: {
          200: t.Object({ path: t.String(), size: t.Number(), content: t.String() }),
          413: ErrorSchema,
          415: ErrorSchema,
          ...failures,
        },
        detail: { summary: 'The content of a text file (binary and large files are refused)', tags },
      },
    )
    .get(
      '/:name/browse/download',
      async ({ params, query }) =>
        downloadOf(await browser.download(await clientOf(params.id), params.name, query.path ?? '')),
      {
        access: 'volumes:browse',
        params: VolumeParams,
        query: PathQuery,
        response: failures,
        detail: { summary: 'Download a file (its bytes) or a folder (as a tar)', tags },
      },
    )
    .post(
      '/:name/browse/upload',
      async ({ params, query, body, set }) => {
        const files = [body.files].flat();
        const entries = await browser.upload(await clientOf(params.id), params.name, query.path ?? '', files);
        set.status = 201;
        return entries;
      },
      {
        access: 'volumes:browse',
        params: VolumeParams,
        query: PathQuery,
        body: t.Object({ files: t.Files({ description: 'one or more files, field name "files"' }) }),
        response: { 201: t.Array(EntrySchema), ...failures },
        detail: { summary: 'Upload files into a folder (multipart/form-data)', tags },
      },
    )
    .post(
      '/:name/browse/folder',
      async ({ params, body, set }) => {
        const entry = await browser.createFolder(
          await clientOf(params.id),
          params.name,
          body.path,
          body.name,
        );
        set.status = 201;
        return entry;
      },
      {
        access: 'volumes:browse',
        params: VolumeParams,
        body: t.Object({
          path: t.String({ maxLength: 4096, description: 'the parent folder' }),
          name: t.String(),
        }),
        response: { 201: EntrySchema, ...failures },
        detail: { summary: 'Create a folder', tags },
      },
    )
    .post(
      '/:name/browse/rename',
      async ({ params, body }) =>
        browser.rename(await clientOf(params.id), params.name, body.path, body.newName),
      {
        access: 'volumes:browse',
        params: VolumeParams,
        body: t.Object({ path: t.String({ maxLength: 4096 }), newName: t.String() }),
        response: { 200: EntrySchema, ...failures },
        detail: { summary: 'Rename a file or folder in place', tags },
      },
    )
    .delete(
      '/:name/browse',
      async ({ params, query, set }) => {
        if (!query.path) throw new HttpError(400, 'PATH_IS_ROOT', "The volume's root cannot be deleted");
        await browser.remove(await clientOf(params.id), params.name, query.path);
        set.status = 204;
      },
      {
        access: 'volumes:browse',
        params: VolumeParams,
        query: PathQuery,
        response: { 204: t.Void(), ...failures },
        detail: { summary: 'Delete a file, a symbolic link or a folder with its content', tags },
      },
    )
    .get(
      '/:name/export',
      async ({ params }) => downloadOf(await browser.exportVolume(await clientOf(params.id), params.name)),
      {
        access: 'volumes:browse',
        params: VolumeParams,
        response: failures,
        detail: { summary: 'The whole volume as a tar', tags },
      },
    )
    .post(
      '/:name/import',
      async ({ params, body, set }) => {
        // The body limits hand streamed routes their body as a stream, counted against its limit.
        if (!(body instanceof ReadableStream))
          throw new HttpError(400, 'ARCHIVE_INVALID', 'Send the tar as the request body');
        const result = await browser.importVolume(await clientOf(params.id), params.name, body);
        set.status = 201;
        return result;
      },
      {
        access: 'volumes:browse',
        params: VolumeParams,
        response: { 201: t.Object({ entries: t.Integer() }), ...failures },
        detail: {
          summary:
            "Unpack a tar (application/x-tar body) at the volume's root; unsafe entries refuse it whole",
          tags,
        },
      },
    );
}

const downloadOf = ({ body, filename, contentType }: Download) => attachment(body, filename, contentType);
