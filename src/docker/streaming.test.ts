// Streams that run until told to stop, and the deadlines on calls that would not answer.
import { afterAll, expect, test } from 'bun:test';
import { DockerTimeoutError } from './errors.ts';
import { localDocker, TestContainers } from './test-support.ts';

const docker = localDocker();
const containers = new TestContainers(docker);

afterAll(async () => {
  await containers.removeAll();
  docker.close();
});

test('events: a container being created is seen, and leaving the iterator ends it', async () => {
  const events = docker.events({
    since: Math.floor(Date.now() / 1000) - 1,
    filters: { type: ['container'], event: ['create'] },
  });
  const first = events.next(); // opens the stream before the container exists
  const id = await containers.create(['true']);
  let event = await first;
  while (!event.done && event.value.Actor.ID !== id) event = await events.next();
  expect(event.done).toBe(false);
  expect(event.value).toMatchObject({ Type: 'container', Action: 'create', Actor: { ID: id } });
  expect(await events.return(undefined)).toEqual({ done: true, value: undefined });
  expect(await events.next()).toEqual({ done: true, value: undefined });
});

test('following logs runs until the signal aborts, then rejects with its reason', async () => {
  const id = await containers.run(['sh', '-c', 'while true; do echo tick; sleep 0.1; done']);
  const abort = new AbortController();
  const ticks: string[] = [];
  const stopped = new Error('enough ticks');
  const following = (async () => {
    for await (const chunk of docker.containerLogs(id, { follow: true, signal: abort.signal })) {
      ticks.push(new TextDecoder().decode(chunk.data));
      if (ticks.length === 3) abort.abort(stopped);
    }
  })();
  expect(await following.catch((error: unknown) => error)).toBe(stopped);
  expect(ticks).toEqual(['tick\n', 'tick\n', 'tick\n']);
});

test('a call that outlasts its deadline fails with DockerTimeoutError', async () => {
  const id = await containers.run(['sleep', '30']);
  const started = Date.now();
  const error = await docker
    .request('POST', `/containers/${id}/wait`, { timeoutMs: 200 })
    .catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DockerTimeoutError);
  expect((error as Error).message).toContain(`/containers/${id}/wait`);
  expect(Date.now() - started).toBeLessThan(5000);

  const impatient = localDocker({ timeoutMs: 200 });
  await expect(impatient.request('POST', `/containers/${id}/wait`)).rejects.toBeInstanceOf(
    DockerTimeoutError,
  );
  impatient.close();
});

test("a caller's abort rejects a request with the caller's reason, not a timeout", async () => {
  const id = await containers.run(['sleep', '30']);
  const abort = new AbortController();
  const waiting = docker.request('POST', `/containers/${id}/wait`, { signal: abort.signal });
  const reason = new Error('the user went away');
  setTimeout(() => abort.abort(reason), 100);
  expect(await waiting.catch((error: unknown) => error)).toBe(reason);
});

test('closing the client ends its open streams and refuses new calls', async () => {
  const client = localDocker();
  const events = await client.stream('GET', '/events'); // resolves once the stream is open
  const reading = (async () => {
    for await (const _ of events) {
      // Events from other activity on the daemon may come first; the close ends the loop.
    }
  })();
  client.close();
  const ended = await reading.catch((error: unknown) => error);
  expect((ended as Error).message).toContain('is closed');
  await expect(client.version()).rejects.toThrow('is closed');
});
