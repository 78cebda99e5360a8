// The registry client against the test bed's three registries: open, basic auth (htpasswd) and
// token auth (Bearer challenge, with the test bed's token issuer).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startTokenIssuer, type TokenIssuer } from '../testing/registry-token-issuer.ts';
import { type RegistryLogin, testbed } from '../testing/testbed.ts';
import { RegistryClient, RegistryError } from './registry-client.ts';
import { localDocker } from './test-support.ts';

const bed = testbed();
const docker = localDocker();
const repository = `windflow-test/registry-client-${process.pid}`;
let issuer: TokenIssuer;

async function pushTo(login: RegistryLogin): Promise<string> {
  const reference = `${login.address}/${repository}:v1`;
  await docker.tagImage(bed.images.busybox, reference);
  for await (const _ of docker.pushImage(reference, {
    auth: { username: login.username, password: login.password, serveraddress: login.address },
  })) {
    // the push's progress is not the subject here
  }
  const image = await docker.inspectImage(reference);
  await docker.removeImage(reference);
  return image.RepoDigests.find((digest) => digest.startsWith(login.address))?.split('@')[1] ?? '';
}

beforeAll(() => {
  issuer = startTokenIssuer();
});

afterAll(() => {
  issuer.stop();
  docker.close();
});

describe('an open registry', () => {
  const client = new RegistryClient(`http://${bed.registry.address}`);

  test('lists repositories and tags, and reads the digest a pull resolves to', async () => {
    expect(await client.repositories()).toContain('windflow-test/busybox');
    expect(await client.tags('windflow-test/busybox')).toContain('latest');
    const local = await docker.inspectImage(bed.images.registryBusybox);
    const expected = local.RepoDigests.find((digest) => digest.startsWith(bed.registry.address))?.split(
      '@',
    )[1];
    const remote = await client.digest('windflow-test/busybox', 'latest');
    expect(remote.digest).toBe(expected as string);
    expect(remote.platforms).toBeUndefined();
  });

  test('a multi-architecture manifest list gives a digest per platform', async () => {
    const single = await client.digest('windflow-test/busybox', 'latest');
    const manifest = await fetch(`http://${bed.registry.address}/v2/windflow-test/busybox/manifests/latest`, {
      headers: { accept: single.mediaType },
    });
    const size = (await manifest.arrayBuffer()).byteLength;
    const list = {
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
      manifests: [
        {
          mediaType: single.mediaType,
          size,
          digest: single.digest,
          platform: { os: 'linux', architecture: 'amd64' },
        },
        {
          mediaType: single.mediaType,
          size,
          digest: single.digest,
          platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
        },
      ],
    };
    const put = await fetch(`http://${bed.registry.address}/v2/windflow-test/busybox/manifests/multi`, {
      method: 'PUT',
      headers: { 'content-type': list.mediaType },
      body: JSON.stringify(list),
    });
    expect(put.status).toBe(201);
    const remote = await client.digest('windflow-test/busybox', 'multi');
    expect(remote.digest).toBe(put.headers.get('docker-content-digest') as string);
    expect(remote.mediaType).toBe(list.mediaType);
    expect(remote.platforms).toEqual([
      { os: 'linux', architecture: 'amd64', digest: single.digest },
      { os: 'linux', architecture: 'arm', variant: 'v7', digest: single.digest },
    ]);
  });

  test('an unknown tag is a clear 404', async () => {
    const error = await client
      .digest('windflow-test/busybox', 'no-such-tag')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(404);
    expect((error as RegistryError).message).toContain('manifest unknown');
  });
});

for (const kind of ['basic', 'token'] as const) {
  describe(`a registry with ${kind} auth`, () => {
    const login = bed.authRegistries[kind];

    test('with the password: repositories, tags and a digest that matches the push', async () => {
      const pushed = await pushTo(login);
      const client = new RegistryClient(`http://${login.address}`, login);
      await client.ping();
      expect(await client.repositories()).toContain(repository);
      expect(await client.tags(repository)).toEqual(['v1']);
      expect((await client.digest(repository, 'v1')).digest).toBe(pushed);
      if (kind === 'token') expect(issuer.requests).toContain(`repository:${repository}:pull`);
    });

    test('without it, or with a wrong one, a clear 401', async () => {
      for (const credentials of [{}, { username: login.username, password: 'wrong' }]) {
        const client = new RegistryClient(`http://${login.address}`, credentials);
        const error = await client.repositories().catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(RegistryError);
        expect((error as RegistryError).status).toBe(401);
      }
    });
  });
}
