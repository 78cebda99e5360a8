// The volume browser without a registry: the built binary carries its helper image and loads it
// into an engine that lacks it; a helper image that has to be pulled and cannot be says so
// clearly, and no error names the Docker host's DNS server or other internal addresses.
import { afterAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient } from '../docker/client.ts';
import { HELPER_IMAGE } from '../docker/volume-helper.ts';
import { startBinary } from '../testing/binary.ts';
import { ApiSession } from '../testing/session.ts';
import { testbed } from '../testing/testbed.ts';

const bed = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: bed.dockerSocket });
const volume = `wf-helper-image-${process.pid}-${Date.now().toString(36)}`;
const dataDirs: string[] = [];
const IPV4 = /\b\d{1,3}(\.\d{1,3}){3}\b/;

afterAll(async () => {
  await docker.request('DELETE', `/volumes/${volume}`).catch(() => {});
  docker.close();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

async function serve(helperImage: string | null) {
  const dataDir = mkdtempSync(join(tmpdir(), 'windflow-helper-image-'));
  dataDirs.push(dataDir);
  const server = await startBinary({ dataDir, dockerSocket: bed.dockerSocket, helperImage });
  const api = await ApiSession.forServer(server.url).setUpAdmin();
  const base = `/api/environments/${(await api.call('GET', '/api/environments')).body[0].id}`;
  return { server, api, base };
}

test('the carried helper image is loaded where it is missing, and the volume browser works offline', async () => {
  // Untagged even if a helper of another run uses it: the binary must bring it back.
  await docker.request('DELETE', `/images/${HELPER_IMAGE}`, { query: { force: true } }).catch(() => {});
  const { server, api, base } = await serve(null);
  try {
    expect((await api.call('POST', `${base}/volumes`, { name: volume })).status).toBe(201);
    const listing = await api.call('GET', `${base}/volumes/${volume}/browse?path=`);
    expect(listing.status).toBe(200);
    expect(listing.body.entries).toEqual([]);
    expect((await docker.inspectImage(HELPER_IMAGE)).RepoTags).toContain(HELPER_IMAGE);
    expect(server.logs.some((line) => line.msg === 'loaded the helper image into an engine')).toBe(true);
  } finally {
    expect(await server.stop()).toBe(0);
  }
});

test('a helper image or a pull that needs an unreachable registry fails clearly, naming no address', async () => {
  const { server, api, base } = await serve('windflow-nowhere.invalid/helper:1');
  try {
    await api.call('POST', `${base}/volumes`, { name: volume });
    const browse = await api.call('GET', `${base}/volumes/${volume}/browse?path=`);
    expect(browse.status).toBe(502);
    expect(browse.body.code).toBe('HELPER_IMAGE_UNAVAILABLE');
    expect(browse.body.message).toContain(
      'windflow-nowhere.invalid could not be reached from the Docker host',
    );
    expect(browse.body.message).not.toMatch(IPV4);

    const pull = await api.call('POST', `${base}/images/pull`, {
      reference: 'windflow-nowhere.invalid/app:1',
    });
    expect(pull.status).toBe(202);
    let job = pull.body;
    for (let attempt = 0; attempt < 100 && job.status === 'running'; attempt++) {
      await Bun.sleep(100);
      job = (await api.call('GET', `${base}/jobs/${job.id}`)).body;
    }
    expect(job.status).toBe('failed');
    expect(job.error).toContain('its name did not resolve');
    expect(job.error).not.toMatch(IPV4);
  } finally {
    expect(await server.stop()).toBe(0);
  }
});
