// Containers on the test bed's main daemon: life cycle, logs, and how errors come back.
import { afterAll, expect, test } from 'bun:test';
import { DockerApiError } from './errors.ts';
import type { LogChunk } from './streams.ts';
import { collect, localDocker, TEST_LABEL, TestContainers, textOf } from './test-support.ts';

const docker = localDocker();
const containers = new TestContainers(docker);

afterAll(async () => {
  await containers.removeAll();
  docker.close();
});

test('create, start, inspect, demuxed logs, stop and remove', async () => {
  const id = await containers.create(['sh', '-c', 'echo out; echo err >&2; sleep 30']);
  await docker.startContainer(id);
  const inspected = await docker.inspectContainer(id);
  expect(inspected.State.Running).toBe(true);
  expect(inspected.Config.Labels).toMatchObject({ [TEST_LABEL]: '1' });

  const listed = await docker.listContainers({ filters: { id: [id] } });
  expect(listed.map((container) => container.Id)).toEqual([id]);

  // Following, so that the lines are there whenever the shell gets to them; leaving the loop
  // cancels the stream.
  const chunks: LogChunk[] = [];
  for await (const chunk of docker.containerLogs(id, { follow: true })) {
    chunks.push(chunk);
    if (textOf(chunks, 'stdout') === 'out\n' && textOf(chunks, 'stderr') === 'err\n') break;
  }
  expect(textOf(chunks, 'stdout')).toBe('out\n');
  expect(textOf(chunks, 'stderr')).toBe('err\n');

  await docker.startContainer(id); // already running: the daemon's 304 is not an error
  await docker.stopContainer(id, { timeoutSeconds: 1 });
  expect((await docker.inspectContainer(id)).State.Running).toBe(false);
  await docker.stopContainer(id); // already stopped: 304 again

  await docker.removeContainer(id);
  expect(await docker.listContainers({ all: true, filters: { id: [id] } })).toEqual([]);
  const gone = await docker.inspectContainer(id).catch((error: unknown) => error);
  expect(gone).toBeInstanceOf(DockerApiError);
  expect(gone).toMatchObject({ status: 404 });
});

test('a TTY container logs raw bytes, all on stdout', async () => {
  const id = await containers.run(['sh', '-c', 'echo tty-out; echo tty-err >&2'], { Tty: true });
  await docker.request('POST', `/containers/${id}/wait`);
  const chunks = await collect(docker.containerLogs(id));
  // No 8-byte frame headers: the first byte is the first character written.
  expect(chunks[0]?.data[0]).toBe('t'.charCodeAt(0));
  expect(textOf(chunks, 'stdout')).toBe('tty-out\r\ntty-err\r\n');
  expect(textOf(chunks, 'stderr')).toBe('');
});

test('logs can be limited to one stream, or to the last lines', async () => {
  const mixed = await containers.run(['sh', '-c', 'for n in 1 2 3; do echo line$n; echo bad$n >&2; done']);
  const plain = await containers.run(['sh', '-c', 'for n in 1 2 3 4; do echo line$n; done']);
  await docker.request('POST', `/containers/${mixed}/wait`);
  await docker.request('POST', `/containers/${plain}/wait`);
  const stdoutOnly = await collect(docker.containerLogs(mixed, { stderr: false }));
  expect(textOf(stdoutOnly, 'stdout')).toBe('line1\nline2\nline3\n');
  expect(textOf(stdoutOnly, 'stderr')).toBe('');
  // Docker 20.10 mishandles a tail combined with one stream, so the tail is tried alone.
  expect(textOf(await collect(docker.containerLogs(plain, { tail: 2 })), 'stdout')).toBe('line3\nline4\n');
});

test('a missing container is a 404 with the daemon message', async () => {
  const error = await docker
    .inspectContainer('windflow-no-such-container')
    .catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DockerApiError);
  expect(error).toMatchObject({ status: 404, message: 'No such container: windflow-no-such-container' });
});

test('a conflict keeps its status and message', async () => {
  const id = await containers.run(['sleep', '30']);
  const error = await docker.removeContainer(id).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DockerApiError);
  expect((error as DockerApiError).status).toBe(409);
  expect((error as DockerApiError).message).toContain('You cannot remove a running container');
});

test('an id that cleans to another path is not followed there', async () => {
  // The daemon redirects /containers/x/../../info to /info; the client must not follow.
  const error = await docker.inspectContainer('x/../../info').catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DockerApiError);
  expect((error as DockerApiError).status).toBe(301);
});
