// Images against the test bed's registry: pull, tag, push, remove; and the reference and
// credential encodings the image calls use.
import { afterAll, expect, test } from 'bun:test';
import { testbed } from '../testing/testbed.ts';
import { DockerApiError } from './errors.ts';
import { encodeRegistryAuth, splitReference } from './image-reference.ts';
import { collect, localDocker } from './test-support.ts';

const bed = testbed();
const docker = localDocker();

afterAll(() => docker.close());

async function tagsOf(reference: string): Promise<string[]> {
  return (await docker.inspectImage(reference)).RepoTags;
}

test('pulls the registry copy of busybox with progress, and the image is there afterwards', async () => {
  const reference = bed.images.registryBusybox;
  await docker.removeImage(reference).catch((error: unknown) => {
    if ((error as DockerApiError).status !== 404) throw error;
  });
  await expect(docker.inspectImage(reference)).rejects.toMatchObject({ status: 404 });

  const events = await collect(docker.pullImage(reference));
  const statuses = events.map((event) => event.status ?? '');
  expect(statuses[0]).toStartWith('Pulling from windflow-test/busybox');
  expect(statuses.some((status) => status.startsWith('Digest: sha256:'))).toBe(true);
  expect(statuses.at(-1)).toBe(`Status: Downloaded newer image for ${reference}`);
  expect(await tagsOf(reference)).toContain(reference);
});

test('a pull that downloads layers reports their progress', async () => {
  const reference = bed.images.pullable;
  await docker.removeImage(reference, { force: true }).catch(() => undefined);
  const events = await collect(docker.pullImage(reference));
  expect(
    events.some((event) => event.status === 'Downloading' && (event.progressDetail?.total ?? 0) > 0),
  ).toBe(true);
  expect(events.map((event) => event.status)).toContain('Pull complete');
  expect((await docker.listImages()).flatMap((image) => image.RepoTags ?? [])).toContain(reference);
});

test('a pull of a missing image throws the daemon message', async () => {
  const missing = `${bed.registry.address}/windflow-test/nothing:here`;
  const error = await collect(docker.pullImage(missing)).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DockerApiError);
  expect((error as Error).message).toContain('windflow-test/nothing');
});

test('tag, push to the registry, remove the tag, and pull it back', async () => {
  const pushed = `${bed.registry.address}/windflow-test/pushed:latest`;
  await docker.tagImage(bed.images.busybox, pushed);
  expect(await tagsOf(pushed)).toContain(pushed);

  const progress = await collect(docker.pushImage(pushed));
  const statuses = progress.map((event) => event.status ?? '');
  expect(statuses[0]).toBe(`The push refers to repository [${bed.registry.address}/windflow-test/pushed]`);
  // The first push mounts the layer from the busybox repository; later ones find it there.
  expect(statuses.some((status) => /^(Pushed|Layer already exists|Mounted from )/.test(status))).toBe(true);
  const digest = progress.find((event) => event.aux?.Digest)?.aux?.Digest;
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);

  await docker.removeImage(pushed);
  await expect(docker.inspectImage(pushed)).rejects.toMatchObject({ status: 404 });
  await collect(docker.pullImage(pushed));
  expect((await docker.inspectImage(pushed)).RepoDigests).toContain(
    `${bed.registry.address}/windflow-test/pushed@${digest}`,
  );
  await docker.removeImage(pushed);
});

test('references split into name and tag', () => {
  expect(splitReference('127.0.0.1:5000/a/b:1.2')).toEqual({ name: '127.0.0.1:5000/a/b', tag: '1.2' });
  expect(splitReference('127.0.0.1:5000/a/b')).toEqual({ name: '127.0.0.1:5000/a/b', tag: 'latest' });
  expect(splitReference('busybox@sha256:abc')).toEqual({ name: 'busybox@sha256:abc' });
});

test('registry credentials are padded base64url, as the daemon decodes them', () => {
  for (const auth of [
    undefined,
    { username: 'a' },
    { username: 'ab', password: 'p?>~' },
    { identitytoken: 't' },
  ]) {
    const encoded = encodeRegistryAuth(auth);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]*={0,2}$/);
    expect(encoded.length % 4).toBe(0);
    expect(JSON.parse(Buffer.from(encoded, 'base64url').toString())).toEqual(auth ?? {});
  }
});
