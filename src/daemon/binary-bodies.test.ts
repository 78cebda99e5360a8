// Request bodies through the listening binary: large bodies from anyone are refused before they
// are read (the memory of the process stays flat), every content type is held to its route's
// limit, and the archive imports, which stream, take a tar of any content type.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient } from '../docker/client.ts';
import { tarStream } from '../docker/volume-tar.ts';
import { type RunningBinary, startBinary } from '../testing/binary.ts';
import { ApiSession } from '../testing/session.ts';
import { testbed } from '../testing/testbed.ts';

const bed = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: bed.dockerSocket });
const run = `${process.pid}-${Date.now().toString(36)}`;
const volume = `wf-bodies-${run}`;
const MiB = 1024 * 1024;
let dataDir: string;
let server: RunningBinary;
let admin: ApiSession;
let base: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'windflow-bodies-'));
  server = await startBinary({ dataDir, dockerSocket: bed.dockerSocket });
  admin = await ApiSession.forServer(server.url).setUpAdmin();
  base = `/api/environments/${(await admin.call('GET', '/api/environments')).body[0].id}`;
});

afterAll(async () => {
  await server.stop();
  await docker.request('DELETE', `/volumes/${volume}`).catch(() => {});
  docker.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A multipart body of `size` bytes with a declared length. */
function multipart(size: number): { body: Blob; type: string } {
  const boundary = 'windflow-test-boundary';
  const head = `--${boundary}\r\ncontent-disposition: form-data; name="username"\r\n\r\n`;
  return {
    body: new Blob([head, new Uint8Array(size).fill(65), `\r\n--${boundary}--\r\n`]),
    type: `multipart/form-data; boundary=${boundary}`,
  };
}

/** `size` bytes sent chunked: no declared length. */
function chunked(size: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(MiB).fill(66);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) return controller.close();
      controller.enqueue(chunk);
      sent += chunk.length;
    },
  });
}

async function post(
  path: string,
  body: NonNullable<RequestInit['body']>,
  contentType: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; code?: string }> {
  const answer = await fetch(`${server.url}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': contentType, ...headers },
    duplex: 'half',
  } as RequestInit);
  const text = await answer.text();
  return { status: answer.status, code: text.startsWith('{') ? JSON.parse(text).code : undefined };
}

describe('request bodies', () => {
  test('anonymous 100 MB bodies, declared or chunked, are refused unread: memory stays flat', async () => {
    const before = server.residentKiB();
    const form = multipart(100 * MiB);
    for (let round = 0; round < 2; round++) {
      const answers = await Promise.all([
        ...[1, 2, 3, 4].map(() => post('/api/auth/login', form.body, form.type)),
        ...[1, 2].map(() => post('/api/auth/login', chunked(100 * MiB), form.type)),
        ...[1, 2].map(() => post('/api/environments', form.body, form.type)),
        ...[1, 2].map(() =>
          post(`${base}/volumes/${volume}/import`, chunked(100 * MiB), 'application/x-tar'),
        ),
      ]);
      expect(answers.slice(0, 6)).toEqual(Array(6).fill({ status: 413, code: 'BODY_TOO_LARGE' }));
      expect(answers.slice(6)).toEqual(Array(4).fill({ status: 401, code: 'UNAUTHENTICATED' }));
    }
    const grownMiB = (server.residentKiB() - before) / 1024;
    // Before the limits, four such bodies to the login took the process from 81 to 707 MB.
    expect(grownMiB).toBeLessThan(48);
    // The login still works, its small body read as before.
    expect(
      (await ApiSession.forServer(server.url).login({ username: 'admin', password: 'wrong' })).status,
    ).toBe(401);
  });

  test('a signed-in caller is held to 1 MiB on every route that is not an upload, whatever the content type', async () => {
    const csrf = { 'x-csrf-token': admin.csrfToken ?? '' };
    const send = (body: NonNullable<RequestInit['body']>, type: string) =>
      admin.request('POST', '/api/environments', body, { 'content-type': type, ...csrf });
    for (const [body, type] of [
      [chunked(2 * MiB), 'application/json'],
      [multipart(2 * MiB).body, multipart(0).type],
      [new Uint8Array(2 * MiB), 'application/octet-stream'],
      [chunked(2 * MiB), 'text/plain'],
    ] as const) {
      const answer = await send(body, type);
      expect({ type, status: answer.status }).toEqual({ type, status: 413 });
      expect(((await answer.json()) as { code: string }).code).toBe('BODY_TOO_LARGE');
    }
    const malformed = await send('{nope', 'application/json');
    expect(malformed.status).toBe(400);
  });
});

describe('archive imports over HTTP', () => {
  test('a volume import takes a tar whatever its content type', async () => {
    expect((await admin.call('POST', `${base}/volumes`, { name: volume })).status).toBe(201);
    for (const [index, type] of ['application/x-tar', 'application/octet-stream', ''].entries()) {
      const content = `file ${index}\n`;
      const tar = tarStream([
        {
          name: `imported-${index}.txt`,
          size: content.length,
          mode: 0o644,
          uid: 0,
          gid: 0,
          mtime: 0,
          body: () => new Blob([content]).stream(),
        },
      ]);
      const answer = await admin.request(
        'POST',
        `${base}/volumes/${volume}/import`,
        await new Response(tar).arrayBuffer(),
        type ? { 'content-type': type } : {},
      );
      expect({ type, status: answer.status, body: await answer.json() }).toEqual({
        type,
        status: 201,
        body: { entries: 1 },
      });
    }
    const listing = await admin.call('GET', `${base}/volumes/${volume}/browse?path=`);
    expect(listing.body.entries.map((entry: { name: string }) => entry.name).sort()).toEqual([
      'imported-0.txt',
      'imported-1.txt',
      'imported-2.txt',
    ]);
  });

  test('an image import takes what the export gave, streamed', async () => {
    const exported = await admin.request(
      'GET',
      `${base}/images/export?ref=${encodeURIComponent(bed.images.busybox)}`,
    );
    expect(exported.status).toBe(200);
    const archive = await exported.arrayBuffer();
    const imported = await admin.request('POST', `${base}/images/import`, archive, {
      'content-type': 'application/x-tar',
    });
    expect(imported.status).toBe(201);
    expect(((await imported.json()) as { loaded: string[] }).loaded).toContain(bed.images.busybox);
  });
});
