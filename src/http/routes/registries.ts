// Saved registries: CRUD (the password is write-only), a connection test, and browsing a
// registry's repositories, tags and tag digests through its own API.
import { Elysia, t } from 'elysia';
import { RegistryClient } from '../../docker/registry-client.ts';
import { type RegistryStore, registryHostOfUrl } from '../../store/registries.ts';
import type { AccessControl } from '../access.ts';
import { HttpError } from '../errors.ts';
import { ErrorSchema } from '../schemas.ts';

export interface RegistryRouteDeps {
  access: AccessControl;
  registries: RegistryStore;
}

const tags = ['registries'];
const failures = { 400: ErrorSchema, 401: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 502: ErrorSchema };
const IdParams = t.Object({ id: t.Integer({ minimum: 1 }) });
const RegistrySchema = t.Object(
  {
    id: t.Integer(),
    name: t.String(),
    url: t.String(),
    username: t.Nullable(t.String()),
    hasPassword: t.Boolean(),
    createdAt: t.String(),
    updatedAt: t.String(),
  },
  { title: 'Registry' },
);
const fields = {
  name: t.String({
    pattern: '^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}$',
    error: 'a name is 1-63 letters, digits, spaces, dots, dashes or underscores',
  }),
  url: t.String({
    pattern: '^https?://[^/\\s]+/?$',
    error: 'the URL is http(s)://host[:port], e.g. https://registry.example.com or http://127.0.0.1:5000',
  }),
  username: t.Optional(t.String({ maxLength: 256 })),
  password: t.Optional(
    t.String({ maxLength: 4096, description: 'write-only; on update omit to keep, "" to clear' }),
  ),
};
const RepositoryQuery = t.Object({
  repository: t.String({ minLength: 1, maxLength: 256, pattern: '^[a-z0-9][a-z0-9._/-]*$' }),
});

export function registryRoutes({ access, registries }: RegistryRouteDeps) {
  const clientFor = async (id: number) => {
    const registry = await registries.get(id);
    if (!registry) throw new HttpError(404, 'REGISTRY_NOT_FOUND', `No saved registry ${id}`);
    return new RegistryClient(registry.url, await registries.credentials(id));
  };

  return new Elysia({ prefix: '/api/registries' })
    .use(access)
    .get('', () => registries.list(), {
      access: 'registries:read',
      response: { 200: t.Array(RegistrySchema) },
      detail: { summary: 'Saved registries (passwords are never returned)', tags },
    })
    .post(
      '',
      async ({ body, set }) => {
        set.status = 201;
        return registries.create({ ...body, url: body.url.replace(/\/+$/, '') });
      },
      {
        access: 'registries:manage',
        body: t.Object(fields),
        response: { 201: RegistrySchema, ...failures },
        detail: { summary: 'Save a registry and its credentials (encrypted at rest)', tags },
      },
    )
    .patch(
      '/:id',
      async ({ params, body }) => {
        const current = await registries.get(params.id);
        if (!current) throw new HttpError(404, 'REGISTRY_NOT_FOUND', `No saved registry ${params.id}`);
        // The saved password belongs to the old host: moving it elsewhere takes it again.
        const moves =
          body.url !== undefined && registryHostOfUrl(body.url) !== registryHostOfUrl(current.url);
        if (moves && current.hasPassword && body.password === undefined) {
          throw new HttpError(
            400,
            'REGISTRY_PASSWORD_REQUIRED',
            `Changing the address of "${current.name}" to another host needs its password again`,
          );
        }
        const updated = await registries.update(params.id, { ...body, url: body.url?.replace(/\/+$/, '') });
        if (!updated) throw new HttpError(404, 'REGISTRY_NOT_FOUND', `No saved registry ${params.id}`);
        return updated;
      },
      {
        access: 'registries:manage',
        params: IdParams,
        body: t.Partial(t.Object(fields)),
        response: { 200: RegistrySchema, ...failures },
        detail: {
          summary: 'Change a saved registry; moving it to another host needs the password again',
          tags,
        },
      },
    )
    .delete(
      '/:id',
      async ({ params, set }) => {
        if (!(await registries.remove(params.id))) {
          throw new HttpError(404, 'REGISTRY_NOT_FOUND', `No saved registry ${params.id}`);
        }
        set.status = 204;
      },
      {
        access: 'registries:manage',
        params: IdParams,
        response: { 204: t.Void(), ...failures },
        detail: { summary: 'Forget a saved registry', tags },
      },
    )
    .post(
      '/:id/test',
      async ({ params }) => {
        await (await clientFor(params.id)).ping();
        return { ok: true };
      },
      {
        access: 'registries:read',
        params: IdParams,
        response: { 200: t.Object({ ok: t.Boolean() }), ...failures },
        detail: { summary: 'Check the address and credentials', tags },
      },
    )
    .get('/:id/repositories', async ({ params }) => (await clientFor(params.id)).repositories(), {
      access: 'registries:read',
      params: IdParams,
      response: { 200: t.Array(t.String()), ...failures },
      detail: { summary: "The registry's repositories (catalog API)", tags },
    })
    .get('/:id/tags', async ({ params, query }) => (await clientFor(params.id)).tags(query.repository), {
      access: 'registries:read',
      params: IdParams,
      query: RepositoryQuery,
      response: { 200: t.Array(t.String()), ...failures },
      detail: { summary: "A repository's tags", tags },
    })
    .get(
      '/:id/digest',
      async ({ params, query }) => (await clientFor(params.id)).digest(query.repository, query.tag),
      {
        access: 'registries:read',
        params: IdParams,
        query: t.Composite([RepositoryQuery, t.Object({ tag: t.String({ minLength: 1, maxLength: 128 }) })]),
        response: {
          200: t.Object({
            digest: t.String(),
            mediaType: t.String(),
            platforms: t.Optional(
              t.Array(
                t.Object({
                  os: t.String(),
                  architecture: t.String(),
                  variant: t.Optional(t.String()),
                  digest: t.String(),
                }),
              ),
            ),
          }),
          ...failures,
        },
        detail: { summary: "A tag's remote digest, per platform for multi-architecture lists", tags },
      },
    );
}
