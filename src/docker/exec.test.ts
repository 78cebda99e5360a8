// Exec over hijacked connections on the main daemon's unix socket.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { demuxDockerStream } from './streams.ts';
import { collect, localDocker, openSockets, TestContainers, TextReader, textOf } from './test-support.ts';

const docker = localDocker();
const containers = new TestContainers(docker);
let containerId = '';

beforeAll(async () => {
  containerId = await containers.run(['sleep', '300']);
});

afterAll(async () => {
  await containers.removeAll();
  docker.close();
});

test('a TTY shell answers what is typed, and takes a resize while it runs', async () => {
  const exec = await docker.execCreate(containerId, { Cmd: ['sh'], Tty: true, AttachStdin: true });
  const shell = await docker.execStart(exec.Id, { tty: true });
  const screen = new TextReader(shell.output);

  await shell.write('echo hi\n');
  // The terminal echoes the typed line ("echo hi\r\n"); the answer is "hi" on a line of its own.
  await screen.waitFor('\nhi\r\n');
  expect((await docker.execInspect(exec.Id)).Running).toBe(true);

  await docker.execResize(exec.Id, { h: 40, w: 120 });
  await shell.write('stty size\n');
  await screen.waitFor('40 120');

  await shell.write('exit 3\n');
  await screen.end();
  const finished = await docker.execInspect(exec.Id);
  expect(finished).toMatchObject({ Running: false, ExitCode: 3 });
});

test('without a TTY, input ends with closeWrite and output comes framed', async () => {
  const exec = await docker.execCreate(containerId, {
    Cmd: ['sh', '-c', 'cat; echo done >&2'],
    AttachStdin: true,
  });
  const connection = await docker.execStart(exec.Id, { tty: false });
  await connection.write('line one\n');
  await connection.write(new TextEncoder().encode('line two\n'));
  connection.closeWrite();
  const chunks = await collect(demuxDockerStream(connection.output));
  expect(textOf(chunks, 'stdout')).toBe('line one\nline two\n');
  expect(textOf(chunks, 'stderr')).toBe('done\n');
});

test('large output arrives whole when it is read slowly', async () => {
  // The image's /bin/busybox is a copy of the test host's (scripts/testbed.sh).
  const expected = readFileSync('/bin/busybox');
  const exec = await docker.execCreate(containerId, { Cmd: ['cat', '/bin/busybox'] });
  const connection = await docker.execStart(exec.Id, { tty: false });
  await Bun.sleep(500); // lets the daemon fill the buffer, so reading from the socket pauses
  const received: Uint8Array[] = [];
  for await (const chunk of demuxDockerStream(connection.output)) {
    expect(chunk.stream).toBe('stdout');
    received.push(chunk.data);
  }
  expect(Buffer.concat(received).equals(expected)).toBe(true);
});

test('close ends the output and frees the socket', async () => {
  const before = openSockets();
  const exec = await docker.execCreate(containerId, { Cmd: ['sleep', '30'] });
  const connection = await docker.execStart(exec.Id, { tty: false });
  const added = [...openSockets()].filter((socket) => !before.has(socket));
  expect(added.length).toBeGreaterThanOrEqual(1);

  const reading = collect(connection.output);
  connection.close();
  expect(await reading).toEqual([]);
  await Bun.sleep(50);
  const after = openSockets();
  for (const socket of added) expect(after.has(socket)).toBe(false);
});

test('starting a missing exec is a 404 with the daemon message', async () => {
  const error = await docker
    .execStart('windflow-no-such-exec', { tty: false })
    .catch((caught: unknown) => caught);
  expect(error).toMatchObject({ status: 404, message: 'No such exec instance: windflow-no-such-exec' });
});
