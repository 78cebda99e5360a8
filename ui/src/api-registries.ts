// Saved registries and browsing them.
import type { TagDigest } from '../../src/docker/views.ts';
import type { Registry, RegistryInput } from '../../src/store/records.ts';
import { call } from './api';

export type { Registry, RegistryInput, TagDigest };

const one = (id: number) => `api/registries/${id}`;
const repo = (repository: string) => `repository=${encodeURIComponent(repository)}`;

export const registriesApi = {
  list: () => call<Registry[]>('GET', 'api/registries'),
  create: (input: RegistryInput) => call<Registry>('POST', 'api/registries', input),
  update: (id: number, input: Partial<RegistryInput>) => call<Registry>('PATCH', one(id), input),
  remove: (id: number) => call<void>('DELETE', one(id)),
  test: (id: number) => call<{ ok: boolean }>('POST', `${one(id)}/test`),
  repositories: (id: number) => call<string[]>('GET', `${one(id)}/repositories`),
  tags: (id: number, repository: string) => call<string[]>('GET', `${one(id)}/tags?${repo(repository)}`),
  digest: (id: number, repository: string, tag: string) =>
    call<TagDigest>('GET', `${one(id)}/digest?${repo(repository)}&tag=${encodeURIComponent(tag)}`),
};
