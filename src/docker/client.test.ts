// The Engine client against the real daemons of the test bed.
import { afterAll, describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { testbed } from '../testing/testbed.ts';
import { compareVersions, DockerClient, MAX_API_VERSION, splitReference } from './client.ts';
import { DockerApiError, DockerTimeoutError, DockerUnreachableError } from './errors.ts';
import type { OutputChunk } from './streams.ts';

const bed = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: bed.dockerSocket });
const created: string[] = [];
const decode = (chunks: OutputChunk[], stream: string) =>
  chunks
    .filter((chunk) => chunk.stream === stream)
    .map((chunk) => new TextDecoder().decode(chunk.data))
    .join('');

async function runContainer(
  command: string[],
  options: { tty?: boolean; start?: boolean } = {},
): Promise<string> {
  const { Id } = await docker.createContainer(
    { Image: bed.images.busybox, Cmd: command, Tty: options.tty ?? false, Labels: { 'windflow.test': '1' } },
    `windflow-client-test-${process.pid}-${created.length}`,
  );
  created.push(Id);
  if (options.start !== false) await docker.startContainer(Id);
  return Id;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

afterAll(async () => {
  await Promise.all(created.map((id) => docker.removeContainer(id, { force: true }).catch(() => undefined)));
  docker.close();
});

test('negotiates the lower of the daemon API version and ours', async () => {
  const daemon = await new DockerClient({ kind: 'unix', socketPath: bed.dockerSocket }).version();
  const expected =
    compareVersions(daemon.ApiVersion, MAX_API_VERSION) < 0 ? daemon.ApiVersion : MAX_API_VERSION;
  expect(await docker.negotiate()).toBe(expected);
  expect(docker.apiVersion).toBe(expected);
});

describe('container life cycle', () => {
  test('create, start, inspect, demuxed logs, stop, remove', async () => {
    const id = await runContainer(['sh', '-c', 'echo out; echo err >&2; sleep 30']);
    expect((await docker.inspectContainer(id)).State.Running).toBe(true);
    let chunks: OutputChunk[] = [];
    for (let attempt = 0; attempt < 50 && !decode(chunks, 'stderr'); attempt++) {
      chunks = await collect(docker.containerLogs(id));
      await Bun.sleep(100);
    }
    expect(decode(chunks, 'stdout')).toBe('out\n');
    expect(decode(chunks, 'stderr')).toBe('err\n');
    await docker.stopContainer(id, { timeoutSeconds: 1 });
    expect((await docker.inspectContainer(id)).State.Running).toBe(false);
    await docker.removeContainer(id);
    const missing = await docker.inspectContainer(id).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(DockerApiError);
    expect((missing as DockerApiError).status).toBe(404);
  });

  test('a TTY container logs raw output, all on stdout', async () => {
    const id = await runContainer(['sh', '-c', 'echo tty-out; echo tty-err >&2'], { tty: true });
    let chunks: OutputChunk[] = [];
    for (let attempt = 0; attempt < 50 && !decode(chunks, 'stdout').includes('tty-err'); attempt++) {
      await Bun.sleep(100);
      chunks = await collect(docker.containerLogs(id));
    }
    expect(decode(chunks, 'stdout')).toBe('tty-out\r\ntty-err\r\n');
    expect(decode(chunks, 'stderr')).toBe('');
  });

  test('a missing container is a 404 with the daemon message', async () => {
    const error = await docker
      .inspectContainer('windflow-no-such-container')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DockerApiError);
    expect(error).toMatchObject({ status: 404, message: 'No such container: windflow-no-such-container' });
  });
});

describe('streams', () => {
  test('following logs runs until the signal aborts', async () => {
    const id = await runContainer(['sh', '-c', 'while true; do echo tick; sleep 0.1; done']);
    const abort = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const chunk of docker.containerLogs(id, { follow: true, signal: abort.signal })) {
        seen.push(new TextDecoder().decode(chunk.data));
        if (seen.length === 3) abort.abort();
      }
    })();
    await following.catch((error: unknown) => {
      if ((error as Error).name !== 'AbortError') throw error;
    });
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen[0]).toBe('tick\n');
  });

  test('events report a container being created, and the iterator ends when left', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const events = docker.events({ since, filters: { type: ['container'], event: ['create'] } });
    const id = await runContainer(['true'], { start: false });
    for await (const event of events) {
      if (event.Actor.ID === id) {
        expect(event.Action).toBe('create');
        break;
      }
    }
    expect(await events.next()).toEqual({ done: true, value: undefined });
  });

  test('a call that outlasts its timeout fails with DockerTimeoutError', async () => {
    const id = await runContainer(['sleep', '30']);
    const error = await docker
      .request('POST', `/containers/${id}/wait`, { timeoutMs: 200 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DockerTimeoutError);
  });
});

describe('exec over a hijacked connection', () => {
  test('a TTY shell echoes what is typed, and can be resized', async () => {
    const id = await runContainer(['sleep', '60']);
    const exec = await docker.execCreate(id, { Cmd: ['sh'], Tty: true, AttachStdin: true });
    const connection = await docker.execStart(exec.Id, { tty: true });
    await docker.execResize(exec.Id, { rows: 40, columns: 120 });
    await connection.write('stty size; echo "hi $((6 * 7))"; exit\n');
    const output = new TextDecoder().decode(await new Response(connection.output).arrayBuffer());
    expect(output).toContain('40 120');
    expect(output).toContain('hi 42');
    expect((await docker.execInspect(exec.Id)).ExitCode).toBe(0);
  });
});

describe('images and the registry', () => {
  test('pulls from the test registry with progress events', async () => {
    await docker.removeImage(bed.images.pullable, { force: true }).catch(() => undefined);
    const events = await collect(docker.pullImage(bed.images.pullable));
    const statuses = events.map((event) => event.status ?? '');
    expect(statuses.some((status) => status.startsWith('Pulling from'))).toBe(true);
    expect(statuses).toContain('Pull complete');
    expect(
      events.some((event) => event.status === 'Downloading' && (event.progressDetail?.total ?? 0) > 0),
    ).toBe(true);
    expect(statuses.at(-1)).toContain('Downloaded newer image');
    const tags = (await docker.listImages()).flatMap((image) => image.RepoTags ?? []);
    expect(tags).toContain(bed.images.pullable);
  });

  test('a pull of an unknown image throws the daemon message', async () => {
    const error = await collect(docker.pullImage(`${bed.registry.address}/windflow-test/nothing:here`)).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DockerApiError);
    expect((error as Error).message).toContain('windflow-test/nothing');
  });

  test('references split into name and tag', () => {
    expect(splitReference('127.0.0.1:5000/a/b:1.2')).toEqual({ name: '127.0.0.1:5000/a/b', tag: '1.2' });
    expect(splitReference('127.0.0.1:5000/a/b')).toEqual({ name: '127.0.0.1:5000/a/b', tag: 'latest' });
    expect(splitReference('busybox@sha256:abc')).toEqual({ name: 'busybox@sha256:abc' });
  });
});

describe('transports', () => {
  const { tlsDaemon } = bed;
  const pem = (path: string) => readFileSync(path, 'utf8');
  const tls = { ca: pem(tlsDaemon.ca), cert: pem(tlsDaemon.cert), key: pem(tlsDaemon.key) };

  test('TCP with mutual TLS reaches the TLS daemon', async () => {
    const client = new DockerClient({ kind: 'tcp-tls', host: tlsDaemon.host, port: tlsDaemon.port, tls });
    expect((await client.version()).ApiVersion).toMatch(/^1\.\d+$/);
    expect(Array.isArray(await client.listContainers({ all: true }))).toBe(true);
    client.close();
  });

  test('TLS without the client certificate is refused as unreachable', async () => {
    const client = new DockerClient({
      kind: 'tcp-tls',
      host: tlsDaemon.host,
      port: tlsDaemon.port,
      tls: { ca: tls.ca, cert: '', key: '' },
    });
    await expect(client.ping()).rejects.toBeInstanceOf(DockerUnreachableError);
  });

  test('a server certificate from another CA is refused', async () => {
    const client = new DockerClient({
      kind: 'tcp-tls',
      host: tlsDaemon.host,
      port: tlsDaemon.port,
      tls: { ...tls, ca: pem(bed.ldap.ca) },
    });
    await expect(client.ping()).rejects.toBeInstanceOf(DockerUnreachableError);
  });

  test('plain TCP to a closed port and a missing socket are unreachable, saying where', async () => {
    const closed = new DockerClient({ kind: 'tcp', host: '127.0.0.1', port: 1 });
    await expect(closed.ping()).rejects.toThrow('tcp://127.0.0.1:1');
    const missing = new DockerClient({ kind: 'unix', socketPath: '/run/windflow-no-such.sock' });
    const error = await missing.ping().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DockerUnreachableError);
    expect((error as Error).message).toContain('/run/windflow-no-such.sock');
  });

  test('sequential requests over TLS reuse one connection', async () => {
    const client = new DockerClient({ kind: 'tcp-tls', host: tlsDaemon.host, port: tlsDaemon.port, tls });
    for (let index = 0; index < 30; index++) await client.ping();
    const connections = Bun.spawnSync([
      'ss',
      '-tnH',
      'state',
      'established',
      `( dport = :${tlsDaemon.port} )`,
    ])
      .stdout.toString()
      .trim()
      .split('\n')
      .filter(Boolean);
    expect(connections.length).toBeGreaterThanOrEqual(1);
    expect(connections.length).toBeLessThanOrEqual(2);
    client.close();
  });
});
