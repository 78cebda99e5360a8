// Transports: TCP with mutual TLS against the test bed's second daemon, failures to connect,
// and connection reuse and release, counted on the sockets this process has open.
import { afterAll, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { testbed } from '../testing/testbed.ts';
import { DockerClient } from './client.ts';
import { DockerTimeoutError, DockerUnreachableError } from './errors.ts';
import { hijack } from './hijack.ts';
import { demuxDockerStream } from './streams.ts';
import { collect, localDocker, openSockets, TestContainers, textOf, tlsEndpoint } from './test-support.ts';

const bed = testbed();
const tls = tlsEndpoint();
const tlsDocker = new DockerClient(tls);

afterAll(() => tlsDocker.close());

test('TCP with mutual TLS reaches the TLS daemon', async () => {
  const version = await tlsDocker.version();
  expect(version.ApiVersion).toMatch(/^1\.\d+$/);
  expect(tlsDocker.apiVersion).toBeDefined();
  expect(Array.isArray(await tlsDocker.listContainers({ all: true }))).toBe(true);
  // A second daemon, not the local one seen through another door.
  expect((await tlsDocker.info()).DockerRootDir).not.toBe(await localRootDir());
});

test('over TLS: pull with progress, then exec through a hijacked connection', async () => {
  const containers = new TestContainers(tlsDocker, bed.images.registryBusybox);
  try {
    const progress = await collect(tlsDocker.pullImage(bed.images.registryBusybox));
    expect(progress.at(-1)?.status).toMatch(/^Status: (Downloaded newer image|Image is up to date) for /);
    const id = await containers.run(['sleep', '60']);
    const exec = await tlsDocker.execCreate(id, {
      Cmd: ['sh', '-c', 'read line; echo "got $line"; echo bye >&2'],
      AttachStdin: true,
    });
    const connection = await tlsDocker.execStart(exec.Id, { tty: false });
    await connection.write('over-tls\n');
    const chunks = await collect(demuxDockerStream(connection.output));
    expect(textOf(chunks, 'stdout')).toBe('got over-tls\n');
    expect(textOf(chunks, 'stderr')).toBe('bye\n');
  } finally {
    await containers.removeAll();
  }
});

test('TLS without the client certificate is refused as unreachable, saying where', async () => {
  const client = new DockerClient({ ...tls, tls: { ca: tls.tls.ca, cert: '', key: '' } });
  const error = await client.ping().catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DockerUnreachableError);
  expect((error as Error).message).toStartWith(
    `Cannot connect to Docker at tcp+tls://${tls.host}:${tls.port}: EPROTO`,
  );
  const upgrade = hijack(client.endpoint, { method: 'POST', path: '/v1.41/exec/x/start', timeoutMs: 5000 });
  const hijackError = await upgrade.catch((caught: unknown) => caught);
  expect(hijackError).toBeInstanceOf(DockerUnreachableError);
  expect((hijackError as Error).message).toContain('BAD_CERTIFICATE');
  client.close();
});

test('a client certificate that is not PEM is unreachable too, not a crash', async () => {
  const client = new DockerClient({ ...tls, tls: { ...tls.tls, cert: 'not a certificate' } });
  await expect(client.ping()).rejects.toBeInstanceOf(DockerUnreachableError);
  const upgrade = hijack(client.endpoint, { method: 'POST', path: '/v1.41/exec/x/start', timeoutMs: 5000 });
  await expect(upgrade).rejects.toThrow(/PEM/);
  await expect(upgrade).rejects.toBeInstanceOf(DockerUnreachableError);
  client.close();
});

test('plain HTTP to the TLS port comes back as the daemon saying so', async () => {
  const client = new DockerClient({ kind: 'tcp', host: tls.host, port: tls.port });
  await expect(client.ping()).rejects.toMatchObject({
    status: 400,
    message: 'Client sent an HTTP request to an HTTPS server.',
  });
  client.close();
});

test('a server certificate from another CA is refused, by fetch and by hijack', async () => {
  const otherCa = readFileSync(bed.ldap.ca, 'utf8');
  const client = new DockerClient({ ...tls, tls: { ...tls.tls, ca: otherCa } });
  await expect(client.ping()).rejects.toBeInstanceOf(DockerUnreachableError);
  const upgrade = hijack(client.endpoint, {
    method: 'POST',
    path: '/v1.41/exec/x/start',
    body: {},
    timeoutMs: 5000,
  });
  await expect(upgrade).rejects.toBeInstanceOf(DockerUnreachableError);
  client.close();
});

test('a missing socket, a closed port and an unknown host are unreachable, saying where', async () => {
  const missing = new DockerClient({ kind: 'unix', socketPath: '/run/windflow-no-such.sock' });
  const error = await missing.version().catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DockerUnreachableError);
  expect((error as Error).message).toContain('unix:///run/windflow-no-such.sock');
  const upgrade = hijack(missing.endpoint, { method: 'POST', path: '/v1.41/exec/x/start', timeoutMs: 5000 });
  await expect(upgrade).rejects.toThrow('Cannot connect to Docker at unix:///run/windflow-no-such.sock');

  const closedPort = new DockerClient({ kind: 'tcp', host: '127.0.0.1', port: 1 });
  const refused = await closedPort.ping().catch((caught: unknown) => caught);
  expect(refused).toBeInstanceOf(DockerUnreachableError);
  expect((refused as Error).message).toStartWith(
    'Cannot connect to Docker at tcp://127.0.0.1:1: ECONNREFUSED',
  );
  const unknownHost = new DockerClient({ kind: 'tcp', host: 'windflow-no-such-host.invalid', port: 2375 });
  const dnsError = await unknownHost.ping().catch((caught: unknown) => caught);
  expect(dnsError).toBeInstanceOf(DockerUnreachableError);
  expect((dnsError as Error).message).toContain('windflow-no-such-host.invalid');
});

test('sequential requests over TLS share one connection, errors included', async () => {
  const others = tlsConnections();
  const client = new DockerClient(tls);
  const localPorts = new Set<string>();
  for (let round = 0; round < 10; round++) {
    await client.ping();
    await client.version();
    await expect(client.inspectContainer('windflow-no-such-container')).rejects.toMatchObject({
      status: 404,
    });
    const open = tlsConnections(others);
    expect(open).toHaveLength(1);
    localPorts.add(open[0] ?? '');
  }
  expect(localPorts.size).toBe(1);
  client.close();
  await waitFor(() => tlsConnections(others).length === 0);
});

test('sequential requests over the unix socket share one connection, errors and empty answers included', async () => {
  const setup = localDocker();
  const containers = new TestContainers(setup);
  const client = localDocker();
  try {
    const id = await containers.create(['sleep', '60']);
    const before = openSockets();
    const opened = new Set<string>();
    for (let round = 0; round < 10; round++) {
      await client.startContainer(id); // 204, then 304
      await client.ping();
      await expect(client.inspectContainer('windflow-no-such-container')).rejects.toMatchObject({
        status: 404,
      });
      const open = [...openSockets()].filter((socket) => !before.has(socket));
      expect(open).toHaveLength(1);
      opened.add(open[0] ?? '');
    }
    expect(opened.size).toBe(1);
  } finally {
    client.close();
    await containers.removeAll();
    setup.close();
  }
});

test('a daemon that never answers runs into the deadline, for requests, negotiation and hijacks', async () => {
  // Not a Docker daemon: a socket that accepts connections and stays silent, which no real
  // daemon can be made to do on demand.
  const silent = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const client = new DockerClient({ kind: 'tcp', host: '127.0.0.1', port: silent.port }, { timeoutMs: 200 });
  await expect(client.ping()).rejects.toBeInstanceOf(DockerTimeoutError);
  await expect(client.version()).rejects.toBeInstanceOf(DockerTimeoutError);
  const endpoint = client.endpoint;
  await expect(
    hijack(endpoint, { method: 'POST', path: '/v1.41/exec/x/start', timeoutMs: 200 }),
  ).rejects.toBeInstanceOf(DockerTimeoutError);
  client.close();
  silent.stop(true);
});

test('cancelling a stream or aborting its signal closes its connection', async () => {
  const others = tlsConnections();
  const client = new DockerClient(tls);
  await client.negotiate();
  const events = await client.stream('GET', '/events');
  // The negotiation's connection carries the stream: no other is open.
  expect(tlsConnections(others)).toHaveLength(1);
  await events.cancel();
  await waitFor(() => tlsConnections(others).length === 0);

  const abort = new AbortController();
  const iterator = client.events({ signal: abort.signal });
  const next = iterator.next();
  await waitFor(() => tlsConnections(others).length === 1);
  abort.abort(new Error('stop'));
  await expect(next).rejects.toThrow('stop');
  await waitFor(() => tlsConnections(others).length === 0);
  client.close();
});

/** This process's established connections to the TLS daemon but `others`, as local address:port. */
function tlsConnections(others: string[] = []): string[] {
  const ss = Bun.spawnSync(['ss', '-tnpH', 'state', 'established', `( dport = :${tls.port} )`]);
  return ss.stdout
    .toString()
    .split('\n')
    .filter((line) => line.includes(`pid=${process.pid},`))
    .map((line) => line.trim().split(/\s+/)[2] ?? '')
    .filter((address) => !others.includes(address));
}

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not so after ${timeoutMs} ms: ${condition}`);
    await Bun.sleep(20);
  }
}

async function localRootDir(): Promise<string> {
  const local = localDocker();
  try {
    return (await local.info()).DockerRootDir;
  } finally {
    local.close();
  }
}
