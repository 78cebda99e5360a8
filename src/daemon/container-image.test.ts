// The container image, built from the repository's Dockerfile through the Engine's /build
// endpoint and run the way the README says: the socket mounted, its group added, data in a
// volume. It answers /api/health, reports healthy through its own HEALTHCHECK, runs the set-up
// and lists the host's containers, and its process is not root.
//
// No registry is reachable here, so the Dockerfile's two base images are the test bed's:
// BASE_IMAGE is its debootstrap Debian 12 (slimmed like debian:12-slim), and BUILD_IMAGE is that
// Debian with this Bun, Debian's static busybox (for the helper image) and the locked
// node_modules already in /src, made here once per lockfile;
// the Dockerfile's `bun install --frozen-lockfile` then has nothing to download.
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient } from '../docker/client.ts';
import { ApiSession } from '../testing/session.ts';
import { testbed } from '../testing/testbed.ts';

const bed = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: bed.dockerSocket }, { timeoutMs: 60_000 });
const root = join(import.meta.dir, '..', '..');
const run = `${process.pid}-${Date.now().toString(36)}`;
const image = `windflow-test/windflow:${run}`;
const name = `wf-image-test-${run}`;
const BUILD_TIMEOUT_MS = 10 * 60_000;

/** Sends a tar context to /build; returns the build's output, throwing its error if it failed. */
async function build(context: ReadableStream<Uint8Array> | Uint8Array, query: Record<string, string>) {
  const body = await docker.stream('POST', '/build', {
    query: { rm: '1', forcerm: '1', ...query },
    headers: { 'content-type': 'application/x-tar' },
    body: context,
    timeoutMs: BUILD_TIMEOUT_MS,
  });
  const lines = (await new Response(body).text()).split('\n').filter(Boolean);
  const output = lines.map((line) => JSON.parse(line) as { stream?: string; error?: string });
  const failed = output.find((entry) => entry.error);
  const text = output.map((entry) => entry.stream ?? entry.error ?? '').join('');
  if (failed) throw new Error(`docker build failed: ${failed.error}\n${text.slice(-3000)}`);
  return text;
}

function tarOf(args: string[]): Uint8Array {
  const tar = Bun.spawnSync(['tar', '--numeric-owner', '-cf', '-', ...args], { stdout: 'pipe' });
  if (!tar.success) throw new Error(`tar failed: ${tar.stderr.toString()}`);
  return tar.stdout;
}

/** Debian + this Bun + the locked node_modules in /src: what `bun install` would have made. */
async function builderImage(): Promise<string> {
  const lock = readFileSync(join(root, 'bun.lock'));
  const busybox = readFileSync('/bin/busybox');
  const tag = createHash('sha256')
    .update(lock)
    .update(Bun.version)
    .update(busybox)
    .digest('hex')
    .slice(0, 16);
  const reference = `windflow-test/bun-builder:${tag}`;
  if (
    await docker.inspectImage(reference).then(
      () => true,
      () => false,
    )
  )
    return reference;
  const work = mkdtempSync(join(tmpdir(), 'windflow-builder-'));
  try {
    writeFileSync(
      join(work, 'Dockerfile'),
      `FROM ${bed.images.debian}\nCOPY bun /usr/local/bin/bun\nCOPY busybox /bin/busybox\nCOPY node_modules /src/node_modules\n`,
    );
    copyFileSync(process.execPath, join(work, 'bun'));
    writeFileSync(join(work, 'busybox'), busybox, { mode: 0o755 });
    const context = tarOf(['-C', work, 'Dockerfile', 'bun', 'busybox', '-C', root, 'node_modules']);
    await build(context, { t: reference });
    return reference;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

let imageSize = 0;
let url = '';
let containerId = '';

beforeAll(async () => {
  const builder = await builderImage();
  // The working tree as `docker build .` sends it (the daemon applies .dockerignore too).
  const context = tarOf([
    '-C',
    root,
    '--exclude=./node_modules',
    '--exclude=./dist',
    '--exclude=./ui/dist',
    '--exclude=./.git',
    '.',
  ]);
  await build(context, {
    t: image,
    buildargs: JSON.stringify({ BUILD_IMAGE: builder, BASE_IMAGE: bed.images.debian }),
  });
  imageSize = (await docker.inspectImage(image)).Size;

  const socketGroup = statSync(bed.dockerSocket).gid;
  const created = await docker.createContainer(
    {
      Image: image,
      Labels: { 'windflow.test': '1' },
      // The image's own HEALTHCHECK command, asked every second instead of every 30 s.
      Healthcheck: { Interval: 1_000_000_000, StartPeriod: 0 },
      HostConfig: {
        Binds: [`${bed.dockerSocket}:/var/run/docker.sock`],
        GroupAdd: [String(socketGroup)],
        PortBindings: { '5480/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
      },
    },
    name,
  );
  containerId = created.Id;
  await docker.startContainer(containerId);
  const inspected = (await docker.inspectContainer(containerId)) as unknown as {
    NetworkSettings: { Ports: Record<string, { HostPort: string }[]> };
  };
  url = `http://127.0.0.1:${inspected.NetworkSettings.Ports['5480/tcp']?.[0]?.HostPort}`;
}, BUILD_TIMEOUT_MS + 60_000);

afterAll(async () => {
  if (containerId) await docker.removeContainer(containerId, { force: true, volumes: true }).catch(() => {});
  await docker.removeImage(image, { force: true }).catch(() => {});
  docker.close();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds = 30): Promise<T> {
  for (let tries = 0; tries < seconds * 4; tries++) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await Bun.sleep(250);
  }
  throw new Error(`${what} did not happen in ${seconds} s`);
}

test('the image is the binary on the Debian base, and states its size', async () => {
  const binary = statSync(join(root, 'dist', 'windflow')).size;
  const base = (await docker.inspectImage(bed.images.debian)).Size;
  console.log(
    `image ${(imageSize / 1e6).toFixed(1)} MB = base ${(base / 1e6).toFixed(1)} MB + binary and data directory`,
  );
  expect(imageSize).toBeGreaterThan(base);
  // Nothing but the binary (about its size) on top of the base.
  expect(imageSize - base).toBeLessThan(binary * 1.2);
});

test('it answers /api/health and its HEALTHCHECK reports healthy', async () => {
  const health = await until('the health answer', async () => {
    const response = await fetch(`${url}/api/health`);
    return response.ok ? ((await response.json()) as { status: string }) : undefined;
  });
  expect(health.status).toBe('ok');
  const status = await until('a healthy status', async () => {
    const state = (
      (await docker.inspectContainer(containerId)) as unknown as { State: { Health?: { Status: string } } }
    ).State.Health?.Status;
    return state === 'healthy' ? state : undefined;
  });
  expect(status).toBe('healthy');
});

test('its process is not root, and reaches the socket through the socket’s group', async () => {
  const top = await docker.request<{ Processes: string[][] }>('GET', `/containers/${containerId}/top`, {
    query: { ps_args: '-o pid,uid,gid,supgid,args' },
  });
  const row = top.Processes.find((process) => process.join(' ').includes('windflow'));
  expect(row?.[1]).toBe('65532');
  expect(row?.[2]).toBe('65532');
  expect(row?.[3]?.split(',')).toContain(String(statSync(bed.dockerSocket).gid));
});

test('set-up, then the local environment lists the host’s containers, itself among them', async () => {
  const admin = await ApiSession.forServer(url).setUpAdmin();
  const environments = (await admin.call('GET', '/api/environments')).body as { id: number; name: string }[];
  const local = environments.find((environment) => environment.name === 'local');
  expect(local).toBeDefined();
  const containers = await admin.call('GET', `/api/environments/${local?.id}/containers?all=1`);
  expect(containers.status).toBe(200);
  const names = (containers.body as { name: string }[]).map((container) => container.name);
  expect(names).toContain(name);
});
