// Container routes against the test bed's daemon: create from the form, bad input, lifecycle
// actions one by one and in bulk, rename, edit (recreate) keeping what the form does not cover,
// and a recreate that fails halfway and puts the original back.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { ContainerSpec } from '../../docker/views.ts';
import { UsageFeeds } from '../../jobs/usage-feeds.ts';
import { testEngines } from '../../testing/engines.ts';
import { readServerSentEvents } from '../../testing/server-sent-events.ts';
import type { ApiSession } from '../../testing/session.ts';
import { testbed } from '../../testing/testbed.ts';
import { containerRoutes } from './containers.ts';
import {
  type LocalEnvironment,
  localEnvironment,
  principalWith,
  removeRunObjects,
  routesApp,
  runScript,
} from './docker-test-fixture.ts';

for (const engine of testEngines()) {
  describe(engine.name, () => {
    const bed = testbed();
    const usageFeeds = new UsageFeeds();
    let env: LocalEnvironment;
    let admin: ApiSession;
    let base: string;

    beforeAll(async () => {
      env = await localEnvironment({ engine });
      ({ api: admin } = routesApp((access) =>
        containerRoutes({ access, environments: env.environments, clients: env.clients, usageFeeds }),
      ));
      base = `/api/environments/${env.environmentId}/containers`;
    });

    afterAll(async () => {
      await removeRunObjects(env);
      await env.close();
    });

    function spec(overrides: Partial<ContainerSpec> = {}): ContainerSpec {
      return {
        image: bed.images.busybox,
        name: env.name('c'),
        // Exits on SIGTERM at once (a bare sleep as PID 1 would wait out the stop timeout).
        command: ['sh', '-c', 'trap exit TERM; sleep 300 & wait'],
        env: {},
        ports: [],
        mounts: [],
        networks: [],
        restartPolicy: 'no',
        labels: env.labels,
        privileged: false,
        capAdd: [],
        capDrop: [],
        tty: false,
        ...overrides,
      };
    }

    async function create(overrides: Partial<ContainerSpec> = {}): Promise<{ id: string; name: string }> {
      const body = spec(overrides);
      const answer = await admin.call('POST', base, body);
      expect(answer.status, answer.text).toBe(201);
      return { id: answer.body.id, name: body.name as string };
    }

    // biome-ignore lint/suspicious/noExplicitAny: tests read the inspect document freely
    const inspect = (id: string) => env.docker.inspectContainer(id) as Promise<Record<string, any>>;
    const stateOf = async (id: string) => (await inspect(id)).State.Status as string;

    describe('create', () => {
      test('from the form: env, ports, limits, restart policy, healthcheck; it runs and is listed', async () => {
        const { id, name } = await create({
          env: { GREETING: 'hello', DB_PASSWORD: 'hunter2' },
          ports: [{ containerPort: 8080, protocol: 'tcp', hostPort: 0, hostIp: '127.0.0.1' }],
          memory: '64m',
          cpus: 0.5,
          restartPolicy: 'on-failure',
          maxRetries: 3,
          hostname: 'box',
          workingDir: '/tmp',
          capAdd: ['NET_ADMIN'],
          healthcheck: { command: 'true', intervalSeconds: 1, retries: 2 },
        });
        const raw = await inspect(id);
        expect(raw.State.Running).toBe(true);
        expect(raw.Config.Env).toEqual(expect.arrayContaining(['GREETING=hello', 'DB_PASSWORD=hunter2']));
        expect(raw.HostConfig).toMatchObject({
          Memory: 64 * 1024 * 1024,
          NanoCpus: 500_000_000,
          RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
          CapAdd: ['NET_ADMIN'],
        });
        expect(raw.Config).toMatchObject({ Hostname: 'box', WorkingDir: '/tmp' });

        const list = await admin.call('GET', base);
        const row = (list.body as { id: string }[]).find((container) => container.id === id);
        // Podman lists the image by its full name (the registry it came from), Docker as typed.
        const image =
          engine.name === 'docker' ? bed.images.busybox : expect.stringContaining(bed.images.busybox);
        expect(row).toMatchObject({ name, state: 'running', image });
        expect((row as unknown as { ports: unknown[] }).ports).toEqual([
          expect.objectContaining({ privatePort: 8080, publicPort: expect.any(Number), ip: '127.0.0.1' }),
        ]);

        const detail = await admin.call('GET', `${base}/${id}`);
        expect(detail.status).toBe(200);
        expect(detail.body.overview).toMatchObject({ name, running: true, image });
        expect(detail.body.inspect.Config.Env).toEqual(
          expect.arrayContaining(['GREETING=hello', 'DB_PASSWORD=••••••']),
        );
        expect(detail.text).not.toContain('hunter2');
        expect(detail.body.maskedEnvKeys).toEqual(['DB_PASSWORD']);

        const form = await admin.call('GET', `${base}/${id}/spec`);
        expect(form.body).toMatchObject({
          image,
          name,
          env: expect.objectContaining({ GREETING: 'hello', DB_PASSWORD: 'hunter2' }),
          memory: '64m',
          cpus: 0.5,
          restartPolicy: 'on-failure',
          maxRetries: 3,
          hostname: 'box',
          healthcheck: expect.objectContaining({ command: 'true', intervalSeconds: 1, retries: 2 }),
        });
      });

      test('bad input: a clear error, and nothing is left behind', async () => {
        const badName = await admin.call('POST', base, spec({ name: 'no spaces allowed' }));
        expect(badName.status).toBe(400);
        expect(badName.body.message).toContain('container name');

        const badMemory = await admin.call('POST', base, spec({ memory: 'lots' }));
        expect(badMemory.status).toBe(400);
        expect(badMemory.body).toMatchObject({ code: 'MEMORY_INVALID' });
        expect(badMemory.body.message).toContain('512m');
        const tinyMemory = await admin.call('POST', base, spec({ memory: '1k' }));
        expect(tinyMemory.body).toMatchObject({ code: 'MEMORY_INVALID' });

        const unknownImage = await admin.call(
          'POST',
          base,
          spec({ image: `${bed.registry.address}/windflow-test/no-such-image:1` }),
        );
        expect(unknownImage.status).toBe(404);
        expect(unknownImage.body.code).toBe('IMAGE_NOT_FOUND');
        expect(unknownImage.body.message).toContain('no-such-image');

        const holder = await create({ ports: [{ containerPort: 80, protocol: 'tcp', hostPort: 0 }] });
        const taken = (await inspect(holder.id)).NetworkSettings.Ports['80/tcp'][0].HostPort as string;
        const clashName = env.name('clash');
        const clash = await admin.call(
          'POST',
          base,
          spec({ name: clashName, ports: [{ containerPort: 80, protocol: 'tcp', hostPort: Number(taken) }] }),
        );
        expect(clash.status).toBe(409);
        expect(clash.body.code).toBe('PORT_CONFLICT');
        expect(clash.body.message).toContain('already');
        expect(await env.docker.listContainers({ all: true, filters: { name: [clashName] } })).toEqual([]);

        const { name } = await create();
        const sameName = await admin.call('POST', base, spec({ name }));
        expect(sameName.status).toBe(409);
        expect(sameName.body.message).toContain('already in use');
      });
    });

    describe('actions', () => {
      test('stop, start, pause, unpause, restart, kill, rename and remove', async () => {
        const { id } = await create();
        const act = async (action: string) => {
          const answer = await admin.call('POST', `${base}/${id}/${action}`);
          expect(answer.status, answer.text).toBe(204);
        };
        await act('stop');
        expect(await stateOf(id)).toBe('exited');
        await act('start');
        expect(await stateOf(id)).toBe('running');
        await act('pause');
        expect(await stateOf(id)).toBe('paused');
        await act('unpause');
        expect(await stateOf(id)).toBe('running');
        const startedAt = (await inspect(id)).State.StartedAt;
        await act('restart');
        expect((await inspect(id)).State.StartedAt).not.toBe(startedAt);
        await act('kill');
        expect(await stateOf(id)).toBe('exited');

        const newName = env.name('renamed');
        expect((await admin.call('POST', `${base}/${id}/rename`, { name: newName })).status).toBe(204);
        expect((await inspect(id)).Name).toBe(`/${newName}`);
        expect((await admin.call('POST', `${base}/${id}/rename`, { name: '-bad' })).status).toBe(400);

        expect((await admin.call('DELETE', `${base}/${id}`)).status).toBe(204);
        expect((await admin.call('GET', `${base}/${id}`)).status).toBe(404);
      });

      test('bulk actions report each container, and one failure does not stop the rest', async () => {
        const first = await create();
        const second = await create();
        const stopped = await admin.call('POST', `${base}/bulk/stop`, { ids: [first.id, second.id] });
        expect(stopped.body).toEqual([
          { id: first.id, ok: true },
          { id: second.id, ok: true },
        ]);
        expect(await stateOf(first.id)).toBe('exited');
        const removed = await admin.call('POST', `${base}/bulk/remove`, {
          ids: [first.id, 'nosuchcontainer', second.id],
        });
        expect(removed.body.map((result: { ok: boolean }) => result.ok)).toEqual([true, false, true]);
        expect(removed.body[1].error).toContain('nosuchcontainer');
        expect(
          await env.docker.listContainers({ all: true, filters: { id: [first.id, second.id] } }),
        ).toEqual([]);
      });

      test('usage streams CPU and memory for running containers', async () => {
        const { id } = await create();
        const response = await admin.request('GET', `${base}/usage`);
        expect(response.headers.get('content-type')).toContain('text/event-stream');
        const [first] = await readServerSentEvents(
          (response.body as ReadableStream<Uint8Array>).getReader(),
          (messages) => messages.length > 0,
        );
        const reading = first?.data[id];
        expect(typeof reading.cpuPercent).toBe('number');
        expect(reading.memoryBytes).toBeGreaterThan(0);
        expect(reading.pids).toBeGreaterThan(0);
        // The reading loop stops with its last follower.
        await Bun.sleep(50);
        expect(usageFeeds.active).toBe(0);
      });
    });

    describe('edit', () => {
      test('recreates with the change, keeps what the form does not cover, and the volume data', async () => {
        const volume = env.name('data');
        await env.docker.request('POST', '/volumes/create', { body: { Name: volume, Labels: env.labels } });
        await runScript(env, 'echo kept > /data/file', { [volume]: '/data' });
        const { id, name } = await create({
          env: { MODE: 'one' },
          mounts: [{ type: 'volume', source: volume, target: '/data', readOnly: false }],
        });
        // Settings the form does not show, set straight on the Engine.
        const raw = await inspect(id);
        expect(raw.State.Running).toBe(true);
        const original = await env.docker.createContainer(
          {
            ...raw.Config,
            HostConfig: { ...raw.HostConfig, Dns: ['9.9.9.9'], ExtraHosts: ['db.local:10.1.2.3'] },
          },
          `${name}-extra`,
        );
        await env.docker.removeContainer(id, { force: true });
        await env.docker.request('POST', `/containers/${original.Id}/rename`, { query: { name } });
        await env.docker.startContainer(original.Id);

        const form = (await admin.call('GET', `${base}/${original.Id}/spec`)).body as ContainerSpec;
        const edited = await admin.call('PUT', `${base}/${original.Id}`, {
          ...form,
          env: { ...form.env, MODE: 'two' },
          labels: { ...form.labels, tier: 'web' },
        });
        expect(edited.status, edited.text).toBe(200);
        const now = await inspect(edited.body.id);
        expect(now.Id).not.toBe(original.Id);
        expect(now.Name).toBe(`/${name}`);
        expect(now.State.Running).toBe(true);
        expect(now.Config.Env).toContain('MODE=two');
        expect(now.Config.Labels.tier).toBe('web');
        expect(now.HostConfig.Dns).toEqual(['9.9.9.9']);
        expect(now.HostConfig.ExtraHosts).toEqual(['db.local:10.1.2.3']);
        expect(await env.docker.listContainers({ all: true, filters: { id: [original.Id] } })).toEqual([]);
        expect(await runScript(env, 'cat /data/file', { [volume]: '/data' })).toBe('kept\n');
      });

      test('a recreate that fails halfway restores the original container, running, as it was', async () => {
        const holder = await create({ ports: [{ containerPort: 80, protocol: 'tcp', hostPort: 0 }] });
        const taken = Number((await inspect(holder.id)).NetworkSettings.Ports['80/tcp'][0].HostPort);
        const { id, name } = await create({ env: { VERSION: '1' } });
        const before = await inspect(id);

        const form = (await admin.call('GET', `${base}/${id}/spec`)).body as ContainerSpec;
        const failed = await admin.call('PUT', `${base}/${id}`, {
          ...form,
          env: { VERSION: '2' },
          ports: [{ containerPort: 80, protocol: 'tcp', hostPort: taken }],
        });
        expect(failed.status).toBe(409);
        expect(failed.body.code).toBe('PORT_CONFLICT');
        expect(failed.body.message).toContain('The original container was restored');

        const after = await inspect(id);
        expect(after.Name).toBe(`/${name}`);
        expect(after.State.Running).toBe(true);
        expect(after.Config.Env).toEqual(before.Config.Env);
        expect(after.HostConfig.PortBindings).toEqual(before.HostConfig.PortBindings);
        const leftovers = await env.docker.listContainers({
          all: true,
          filters: { name: ['windflow-old'], label: [env.runLabel] },
        });
        expect(leftovers).toEqual([]);
        expect(
          await env.docker.listContainers({ all: true, filters: { name: [`^/?${name}$`] } }),
        ).toHaveLength(1);
      });
    });

    describe('access', () => {
      test('reading containers allows neither creating, stopping, editing nor removing', async () => {
        const { id } = await create();
        const { api: reader } = routesApp(
          (access) =>
            containerRoutes({ access, environments: env.environments, clients: env.clients, usageFeeds }),
          principalWith('containers:read'),
        );
        expect((await reader.call('GET', base)).status).toBe(200);
        expect((await reader.call('GET', `${base}/${id}/spec`)).status).toBe(403);
        expect((await reader.call('POST', base, spec())).status).toBe(403);
        expect((await reader.call('POST', `${base}/${id}/stop`)).status).toBe(403);
        expect((await reader.call('POST', `${base}/bulk/remove`, { ids: [id] })).status).toBe(403);
        expect((await reader.call('DELETE', `${base}/${id}`)).status).toBe(403);
        expect(await stateOf(id)).toBe('running');
      });
    });
  });
}
