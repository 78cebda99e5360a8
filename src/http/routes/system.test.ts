// System routes against the test bed's daemon: disk usage by kind, the clean-up preview and
// prune (limited to this run's objects by a label), and the live events feed.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { engineEvents } from '../../docker/system.ts';
import type { DockerEvent } from '../../docker/types.ts';
import { testEngines } from '../../testing/engines.ts';
import { readServerSentEvents } from '../../testing/server-sent-events.ts';
import type { ApiSession } from '../../testing/session.ts';
import { testbed } from '../../testing/testbed.ts';
import { serverSentEvents } from '../server-sent-events.ts';
import {
  type LocalEnvironment,
  localEnvironment,
  principalWith,
  removeRunObjects,
  routesApp,
  runScript,
} from './docker-test-fixture.ts';
import { systemRoutes } from './system.ts';

for (const engine of testEngines()) {
  describe(engine.name, () => {
    const bed = testbed();
    let env: LocalEnvironment;
    let admin: ApiSession;
    let app: ReturnType<typeof routesApp>['app'];
    let base: string;

    beforeAll(async () => {
      env = await localEnvironment({ engine });
      ({ app, api: admin } = routesApp((access) =>
        systemRoutes({ access, environments: env.environments, clients: env.clients }),
      ));
      base = `/api/environments/${env.environmentId}/system`;
    });

    afterAll(async () => {
      await removeRunObjects(env);
      await env.close();
    });

    describe('disk usage', () => {
      test('is broken down by kind with totals and what is reclaimable', async () => {
        const { status, body } = await admin.call('GET', `${base}/df`);
        expect(status).toBe(200);
        const kinds = [body.images, body.containers, body.volumes, body.buildCache];
        for (const kind of kinds) {
          expect(kind.reclaimable).toBeLessThanOrEqual(kind.size);
          expect(kind.active).toBeLessThanOrEqual(kind.count);
        }
        expect(body.total.size).toBe(kinds.reduce((sum, kind) => sum + kind.size, 0));
        expect(body.total.reclaimable).toBe(kinds.reduce((sum, kind) => sum + kind.reclaimable, 0));
        // The test bed always has its busybox image and this file's containers come and go.
        expect(body.images.count).toBeGreaterThan(0);
        expect(body.images.size).toBeGreaterThan(0);
      });
    });

    describe('clean-up', () => {
      test('the preview lists what each prune would remove, and the prune removes exactly that', async () => {
        const cleanupLabel = { 'windflow.test.cleanup': env.name('cleanup') };
        const labels = { ...env.labels, ...cleanupLabel };
        const label = `windflow.test.cleanup=${cleanupLabel['windflow.test.cleanup']}`;

        const stopped = await env.docker.createContainer({
          Image: bed.images.busybox,
          Cmd: ['true'],
          Labels: labels,
        });
        const running = await env.docker.createContainer({
          Image: bed.images.busybox,
          Cmd: ['sleep', '300'],
          Labels: labels,
        });
        await env.docker.startContainer(running.Id);
        const volume = env.name('cleanup-volume');
        await env.docker.request('POST', '/volumes/create', { body: { Name: volume, Labels: labels } });
        await runScript(env, 'head -c 20000 /dev/zero > /v/data', { [volume]: '/v' });
        const network = env.name('cleanup-network');
        await env.docker.request('POST', '/networks/create', { body: { Name: network, Labels: labels } });
        // A committed container with the label and no tag: a dangling image that belongs to this test.
        const committed = await env.docker.request<{ Id: string }>('POST', '/commit', {
          query: { container: stopped.Id, changes: `LABEL ${label}` },
          body: {}, // Podman refuses a commit without a body
        });

        const preview = await admin.call('GET', `${base}/cleanup?label=${encodeURIComponent(label)}`);
        expect(preview.status).toBe(200);
        // Podman's commit answers the image id without its sha256: prefix.
        const ids = (kind: string) =>
          preview.body[kind].items.map((item: { id: string }) => item.id.replace(/^sha256:/, ''));
        expect(ids('containers')).toEqual([stopped.Id]);
        expect(ids('volumes')).toEqual([volume]);
        expect(preview.body.volumes.reclaimable).toBeGreaterThanOrEqual(20000);
        expect(preview.body.networks.items.map((item: { name: string }) => item.name)).toEqual([network]);
        expect(ids('images')).toEqual([committed.Id.replace(/^sha256:/, '')]);
        expect(preview.body.buildCache.items).toEqual([]);

        const pruned = await admin.call('POST', `${base}/cleanup`, {
          kinds: ['containers', 'volumes', 'networks', 'images'],
          label,
        });
        expect(pruned.status).toBe(200);
        expect(pruned.body.containers.deleted).toEqual([stopped.Id]);
        expect(pruned.body.volumes).toMatchObject({ deleted: [volume] });
        expect(pruned.body.volumes.spaceReclaimed).toBeGreaterThanOrEqual(20000);
        expect(pruned.body.networks.deleted).toEqual([network]);
        expect(pruned.body.images.deleted.map((id: string) => id.replace(/^sha256:/, ''))).toContain(
          committed.Id.replace(/^sha256:/, ''),
        );
        expect(pruned.body.buildCache).toBeUndefined();

        const after = await admin.call('GET', `${base}/cleanup?label=${encodeURIComponent(label)}`);
        for (const kind of ['containers', 'images', 'volumes', 'networks'])
          expect(after.body[kind].items).toEqual([]);
        expect((await env.docker.inspectContainer(running.Id)).State.Running).toBe(true);
      });

      // Each engine registers its own case: Docker prunes its build cache, Podman has none.
      if (engine.name === 'docker')
        test('build cache is pruned on its own, but has no labels to filter on', async () => {
          expect(
            await admin.call('POST', `${base}/cleanup`, { kinds: ['buildCache'], label: env.runLabel }),
          ).toMatchObject({ status: 400, body: { code: 'LABEL_FILTER_UNSUPPORTED' } });
          const pruned = await admin.call('POST', `${base}/cleanup`, { kinds: ['buildCache'] });
          expect(pruned.status).toBe(200);
          expect(pruned.body.buildCache).toMatchObject({
            deleted: expect.any(Array),
            spaceReclaimed: expect.any(Number),
          });
          expect(Object.keys(pruned.body)).toEqual(['buildCache']);
        });

      if (engine.name === 'podman')
        test('Podman has no build cache: its prune is refused as not available, and prunes nothing else', async () => {
          const { Id } = await env.docker.createContainer({
            Image: bed.images.busybox,
            Cmd: ['true'],
            Labels: env.labels,
          });
          const refused = await admin.call('POST', `${base}/cleanup`, {
            kinds: ['containers', 'buildCache'],
          });
          expect(refused).toMatchObject({ status: 501, body: { code: 'NOT_ON_PODMAN' } });
          expect(refused.body.message).toContain('build cache');
          expect((await env.docker.inspectContainer(Id)).State.Status).toBe('created');
        });

      test('an empty or unknown kind list is refused', async () => {
        expect((await admin.call('POST', `${base}/cleanup`, { kinds: [] })).status).toBe(400);
        expect((await admin.call('POST', `${base}/cleanup`, { kinds: ['everything'] })).status).toBe(400);
      });
    });

    describe('events', () => {
      test('streams the filtered events of the engine as server-sent events', async () => {
        const name = env.name('evented');
        const response = await app.handle(
          new Request(
            `http://windflow.test${base}/events?type=container&action=create,start,destroy&container=${name}`,
          ),
        );
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toContain('text/event-stream');
        const reader = response.body?.getReader();
        if (!reader) throw new Error('no body');
        const { value: first } = await reader.read();
        expect(new TextDecoder().decode(first)).toContain(': connected');

        const { Id } = await env.docker.createContainer(
          { Image: bed.images.busybox, Cmd: ['true'], Labels: env.labels },
          name,
        );
        await env.docker.startContainer(Id);
        await env.docker.request('POST', `/containers/${Id}/wait`);
        await env.docker.removeContainer(Id);

        const messages = await readServerSentEvents(reader, (got) =>
          got.some((message) => message.data.Action === 'destroy'),
        );
        const events: DockerEvent[] = messages.map((message) => message.data);
        expect(events.map((event) => event.Action)).toEqual(['create', 'start', 'destroy']);
        expect(events.every((event) => event.Actor.ID === Id)).toBe(true);
      });

      test('cancelling the feed ends the Engine stream behind it', async () => {
        const { promise: ended, resolve: onEnded } = Promise.withResolvers<AbortSignal>();
        const environment = await env.environments.get(env.environmentId);
        if (!environment) throw new Error('the local environment is gone');
        const client = await env.clients.clientFor(environment);
        const feed = serverSentEvents(async function* (signal) {
          try {
            for await (const event of engineEvents(client, { type: ['container'] }, signal))
              yield { data: event };
          } finally {
            onEnded(signal);
          }
        });
        const reader = feed.getReader();
        expect(new TextDecoder().decode((await reader.read()).value)).toBe(': connected\n\n');
        await reader.cancel();
        const signal = await ended;
        expect(signal.aborted).toBe(true);
      });

      test('bad filters are refused', async () => {
        expect(
          (await admin.call('GET', `${base}/events?type=${encodeURIComponent('container\n')}`)).status,
        ).toBe(400);
      });
    });

    describe('access', () => {
      test('reading containers shows disk usage and events, but neither the clean-up nor the prune', async () => {
        const { app: readerApp, api: reader } = routesApp(
          (access) => systemRoutes({ access, environments: env.environments, clients: env.clients }),
          principalWith('containers:read'),
        );
        expect((await reader.call('GET', `${base}/df`)).status).toBe(200);
        const events = await readerApp.handle(new Request(`http://windflow.test${base}/events`));
        expect(events.status).toBe(200);
        await events.body?.cancel();
        expect((await reader.call('GET', `${base}/cleanup`)).status).toBe(403);
        expect(await reader.call('POST', `${base}/cleanup`, { kinds: ['containers'] })).toMatchObject({
          status: 403,
          body: { code: 'FORBIDDEN' },
        });
        const { api: previewer } = routesApp(
          (access) => systemRoutes({ access, environments: env.environments, clients: env.clients }),
          principalWith('system:read'),
        );
        expect((await previewer.call('GET', `${base}/cleanup`)).status).toBe(200);
        expect((await previewer.call('POST', `${base}/cleanup`, { kinds: ['containers'] })).status).toBe(403);
        expect((await previewer.call('GET', `${base}/df`)).status).toBe(403);
      });
    });
  });
}
