// Image, job and registry routes against the test bed's daemon and registries: list, pull with
// per-layer progress that can be followed again, push and pull through registries that need a
// password (basic and token), digests, tag/untag, remove, prune, export and import.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Elysia } from 'elysia';
import { testEngines } from '../../testing/engines.ts';
import { startTokenIssuer, type TokenIssuer } from '../../testing/registry-token-issuer.ts';
import type { ApiSession } from '../../testing/session.ts';
import { type RegistryLogin, testbed } from '../../testing/testbed.ts';
import {
  type LocalEnvironment,
  localEnvironment,
  principalWith,
  removeRunObjects,
  routesApp,
} from './docker-test-fixture.ts';
import { imageRoutes } from './images.ts';
import { jobRoutes } from './jobs.ts';
import { registryRoutes } from './registries.ts';

for (const engine of testEngines()) {
  describe(engine.name, () => {
    const bed = testbed();
    let env: LocalEnvironment;
    let admin: ApiSession;
    let base: string;
    let issuer: TokenIssuer;
    const run = `${process.pid}-${Date.now().toString(36)}`;

    function build(access: Parameters<typeof imageRoutes>[0]['access']) {
      const deps = {
        access,
        environments: env.environments,
        clients: env.clients,
        registries: env.registries,
        jobs: env.jobs,
      };
      return new Elysia().use(imageRoutes(deps)).use(jobRoutes(deps)).use(registryRoutes(deps));
    }

    beforeAll(async () => {
      env = await localEnvironment({ engine });
      ({ api: admin } = routesApp(build));
      base = `/api/environments/${env.environmentId}`;
      issuer = startTokenIssuer();
    });

    afterAll(async () => {
      issuer.stop();
      for (const image of await env.docker.listImages()) {
        for (const tag of image.RepoTags ?? []) {
          if (tag.includes(run)) await env.docker.removeImage(tag, { force: true }).catch(() => {});
        }
      }
      await removeRunObjects(env);
      await env.close();
    });

    // biome-ignore lint/suspicious/noExplicitAny: tests read whatever shape the job reports
    type Report = any;

    interface Followed {
      events: { id?: string; data: Report }[];
      end: Report;
    }

    /** Reads a job's server-sent events to its end. */
    async function follow(jobId: string): Promise<Followed> {
      const response = await admin.request('GET', `${base}/jobs/${jobId}/events`);
      expect(response.status).toBe(200);
      const text = await response.text();
      const events: Followed['events'] = [];
      let end: unknown;
      for (const block of text.split('\n\n')) {
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!data) continue;
        if (/^event: end$/m.test(block)) end = JSON.parse(data);
        else events.push({ id: /^id: (.*)$/m.exec(block)?.[1], data: JSON.parse(data) });
      }
      return { events, end };
    }

    async function transfer(
      kind: 'pull' | 'push',
      reference: string,
      registryId?: number,
    ): Promise<Followed> {
      const started = await admin.call('POST', `${base}/images/${kind}`, {
        reference,
        ...(registryId ? { registryId } : {}),
      });
      expect(started.status, started.text).toBe(202);
      expect(started.body).toMatchObject({ kind: `images:${kind}`, target: reference, status: 'running' });
      return follow(started.body.id);
    }

    /** The image's tags as Windflow lists them (Podman stores `team/app` as docker.io/team/app). */
    async function tagsOf(reference: string): Promise<string[]> {
      const { Id } = await env.docker.inspectImage(reference);
      const list = await admin.call('GET', `${base}/images`);
      return list.body.find((image: { id: string }) => image.id === Id)?.tags ?? [];
    }

    describe('images', () => {
      test('the list has tags, digests, size, the containers using each, and the dangling flag', async () => {
        const { Id } = await env.docker.createContainer({
          Image: bed.images.busybox,
          Cmd: ['true'],
          Labels: env.labels,
        });
        const list = await admin.call('GET', `${base}/images`);
        const busyboxId = (await env.docker.inspectImage(bed.images.busybox)).Id;
        const busybox = list.body.find((image: { id: string }) => image.id === busyboxId);
        expect(busybox).toMatchObject({ dangling: false, size: expect.any(Number) });
        expect(busybox.containers).toBeGreaterThanOrEqual(1);
        await env.docker.removeContainer(Id);
        const history = await admin.call(
          'GET',
          `${base}/images/history?ref=${encodeURIComponent(bed.images.busybox)}`,
        );
        expect(history.body[0]).toMatchObject({ id: expect.any(String), size: expect.any(Number) });
        const inspect = await admin.call(
          'GET',
          `${base}/images/inspect?ref=${encodeURIComponent(bed.images.busybox)}`,
        );
        expect(inspect.body.Id).toBe(busybox.id);
      });

      test('a pull reports progress per layer, ends, and can be followed again afterwards', async () => {
        await env.docker.removeImage(bed.images.pullable, { force: true }).catch(() => {});
        const first = await transfer('pull', bed.images.pullable);
        expect(first.end).toMatchObject({ status: 'succeeded', target: bed.images.pullable });
        const layers = first.events.filter((event) => event.data.kind === 'layer');
        expect(layers.length).toBeGreaterThan(0);
        if (engine.name === 'docker')
          expect(layers.some((event) => event.data.status === 'Downloading' && event.data.total > 0)).toBe(
            true,
          );
        else {
          // Podman reports each layer's steps but no byte counts.
          const last = new Map(layers.map((event) => [event.data.id, event.data.status]));
          expect([...last.values()].every((status) => status === 'Download complete')).toBe(true);
          expect(layers.some((event) => event.data.total !== undefined)).toBe(false);
        }
        expect(first.events.map((event) => Number(event.id))).toEqual(
          [...first.events.map((event) => Number(event.id))].sort((a, b) => a - b),
        );
        expect((await env.docker.inspectImage(bed.images.pullable)).RepoTags).toContain(bed.images.pullable);

        const again = await follow(first.end.id);
        expect(again.end).toEqual(first.end);
        // The replay keeps each layer's latest state only.
        const replayedLayers = again.events.filter((event) => event.data.kind === 'layer');
        expect(new Set(replayedLayers.map((event) => event.data.id)).size).toBe(replayedLayers.length);
        const jobs = await admin.call('GET', `${base}/jobs`);
        expect(jobs.body.map((job: { id: string }) => job.id)).toContain(first.end.id);
      });

      test('a pull of an image that does not exist fails with the registry’s reason', async () => {
        const failed = await transfer('pull', `${bed.registry.address}/windflow-test/nothing-${run}:1`);
        expect(failed.end.status).toBe('failed');
        expect(failed.end.error).toMatch(/not found|manifest unknown/i);
        const bad = await admin.call('POST', `${base}/images/pull`, { reference: 'not a reference' });
        expect(bad.status).toBe(400);
      });

      test('tag and untag, remove in use names the container, prune reports the space', async () => {
        const tagged = `windflow-test/tagged-${run}:v1`;
        expect(
          (await admin.call('POST', `${base}/images/tag`, { source: bed.images.busybox, target: tagged }))
            .status,
        ).toBe(204);
        expect(await tagsOf(tagged)).toContain(tagged);
        const name = env.name('user');
        await env.docker.createContainer({ Image: tagged, Cmd: ['true'], Labels: env.labels }, name);
        const refused = await admin.call('DELETE', `${base}/images?ref=${encodeURIComponent(tagged)}`);
        expect(refused.status).toBe(409);
        expect(refused.body).toMatchObject({ code: 'IMAGE_IN_USE' });
        expect(refused.body.message).toContain(name);
        expect((await admin.call('POST', `${base}/images/untag`, { tag: tagged })).status).toBe(204);
        expect(await tagsOf(bed.images.busybox)).not.toContain(tagged);

        const pruned = await admin.call('POST', `${base}/images/prune`, {});
        expect(pruned.body).toMatchObject({ deleted: expect.any(Array), spaceReclaimed: expect.any(Number) });
      });

      test('export an image as tar and import it back', async () => {
        const copy = `windflow-test/exported-${run}:v1`;
        await env.docker.tagImage(bed.images.busybox, copy);
        const exported = await admin.request('GET', `${base}/images/export?ref=${encodeURIComponent(copy)}`);
        expect(exported.headers.get('content-type')).toBe('application/x-tar');
        const archive = new Uint8Array(await exported.arrayBuffer());
        expect(archive.byteLength).toBeGreaterThan(100_000);
        await env.docker.removeImage(copy);
        const imported = await admin.request('POST', `${base}/images/import`, archive, {
          'content-type': 'application/x-tar',
        });
        expect(imported.status).toBe(201);
        expect(((await imported.json()) as { loaded: string[] }).loaded).toContain(copy);
        expect(await tagsOf(copy)).toContain(copy);
        const garbage = await admin.request('POST', `${base}/images/import`, new Uint8Array(1024).fill(7), {
          'content-type': 'application/x-tar',
        });
        expect(garbage.status).toBe(400);
        expect(((await garbage.json()) as { code: string }).code).toBe('IMAGE_ARCHIVE_INVALID');
      });
    });

    describe('registries', () => {
      test('saved with the password sealed at rest and never returned; bad input is refused', async () => {
        const created = await admin.call('POST', '/api/registries', {
          name: `sealed-${run}`,
          url: 'https://registry.example.com/',
          username: 'someone',
          password: 'very-secret-password',
        });
        expect(created.status).toBe(201);
        expect(created.body).toMatchObject({
          url: 'https://registry.example.com',
          username: 'someone',
          hasPassword: true,
        });
        expect(created.text).not.toContain('very-secret-password');
        const row = await env.db.get<{ password: string }>('SELECT password FROM registries WHERE id = ?', [
          created.body.id,
        ]);
        expect(row?.password).not.toContain('very-secret-password');
        expect((await admin.call('GET', '/api/registries')).text).not.toContain('very-secret-password');
        const taken = await admin.call('POST', '/api/registries', {
          name: `sealed-${run}`,
          url: 'https://other.example.com',
        });
        expect(taken.body.code).toBe('REGISTRY_NAME_TAKEN');
        const badUrl = await admin.call('POST', '/api/registries', { name: 'x', url: 'ftp://nope' });
        expect(badUrl.status).toBe(400);
        expect(badUrl.body.message).toContain('http(s)://host');
        expect((await admin.call('DELETE', `/api/registries/${created.body.id}`)).status).toBe(204);
      });

      // Podman reaches a plain-HTTP registry only when its registries.conf says so, and the test
      // bed's lists only 127.0.0.1:5000: these run on Docker only (see the README).
      for (const kind of engine.name === 'docker' ? (['basic', 'token'] as const) : []) {
        test(`push to and pull from a registry with ${kind} auth using its saved password; the digest matches`, async () => {
          const login: RegistryLogin = bed.authRegistries[kind];
          const repository = `windflow-test/images-${kind}-${run}`;
          const reference = `${login.address}/${repository}:v1`;
          await env.docker.tagImage(bed.images.busybox, reference);

          const withoutPassword = await transfer('push', reference);
          expect(withoutPassword.end.status).toBe('failed');

          const saved = await admin.call('POST', '/api/registries', {
            name: `${kind}-${run}`,
            url: `http://${login.address}`,
            username: login.username,
            password: login.password,
          });
          expect((await admin.call('POST', `/api/registries/${saved.body.id}/test`)).body).toEqual({
            ok: true,
          });
          const pushed = await transfer('push', reference);
          expect(pushed.end.status, pushed.end.error).toBe('succeeded');
          const localDigest = (await env.docker.inspectImage(reference)).RepoDigests.find((digest) =>
            digest.startsWith(login.address),
          );

          await env.docker.removeImage(reference);
          const pulled = await transfer('pull', reference, saved.body.id);
          expect(pulled.end.status, pulled.end.error).toBe('succeeded');

          const repositories = await admin.call('GET', `/api/registries/${saved.body.id}/repositories`);
          expect(repositories.body).toContain(repository);
          const tags = await admin.call(
            'GET',
            `/api/registries/${saved.body.id}/tags?repository=${repository}`,
          );
          expect(tags.body).toEqual(['v1']);
          const digest = await admin.call(
            'GET',
            `/api/registries/${saved.body.id}/digest?repository=${repository}&tag=v1`,
          );
          expect(`${login.address}/${repository}@${digest.body.digest}`).toBe(localDigest as string);

          const wrong = await admin.call('PATCH', `/api/registries/${saved.body.id}`, { password: 'wrong' });
          expect(wrong.body.hasPassword).toBe(true);
          const refused = await admin.call('POST', `/api/registries/${saved.body.id}/test`);
          expect(refused.status).toBe(424);
          expect(refused.body.code).toBe('REGISTRY_UNAUTHORIZED');
          await admin.call('DELETE', `/api/registries/${saved.body.id}`);
        });
      }
    });

    describe('access', () => {
      test('reading images allows neither pulling, removing, nor seeing registries', async () => {
        const { api: reader } = routesApp(build, principalWith('images:read'));
        expect((await reader.call('GET', `${base}/images`)).status).toBe(200);
        expect(
          (await reader.call('POST', `${base}/images/pull`, { reference: bed.images.pullable })).status,
        ).toBe(403);
        expect((await reader.call('DELETE', `${base}/images?ref=x`)).status).toBe(403);
        expect((await reader.call('GET', '/api/registries')).status).toBe(403);
      });
    });
  });
}
