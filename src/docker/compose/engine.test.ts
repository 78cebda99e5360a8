// The Compose engine against the real daemon: up creates what Compose v2 would, named and labelled
// the same; a change recreates only the services it touches; a no-change up creates, stops and
// removes nothing; down removes what the project made and nothing else. On Docker and on Podman
// (where Windflow runs the healthchecks it waits for itself, see podman.ts).
import { afterAll, describe, expect, test } from 'bun:test';
import { projectOf, threeServiceProject } from '../../testing/compose-projects.ts';
import { CountingDockerClient } from '../../testing/counting-docker.ts';
import { testEngines } from '../../testing/engines.ts';
import { testbed } from '../../testing/testbed.ts';
import type { DeployProgress } from '../views.ts';
import { up } from './converge.ts';
import { serviceConfigHash } from './hash.ts';
import { COMPOSE_VERSION, LABEL } from './labels.ts';
import { down, lifecycle, listProjects, projectLogs } from './operations.ts';
import { observeProject } from './project-state.ts';

const bed = testbed();
const run = `${process.pid}${Date.now().toString(36)}`;
for (const engine of testEngines()) {
  describe(engine.name, () => {
    const docker = new CountingDockerClient({ kind: 'unix', socketPath: engine.socket });
    const projects: string[] = [];
    const projectName = (suffix: string) => {
      const name = `wfeng${run}${suffix}`;
      projects.push(name);
      return name;
    };

    afterAll(async () => {
      await Promise.all(projects.map((name) => down(docker, name, { volumes: true }).catch(() => undefined)));
      await Promise.all(
        projects.map((name) =>
          docker.removeImage(`windflow-test/${name}-app:latest`, { force: true }).catch(() => undefined),
        ),
      );
      docker.close();
    }, 120_000);

    function recorder() {
      const events: DeployProgress[] = [];
      return { events, report: (event: DeployProgress) => void events.push(event) };
    }

    async function idsByService(project: string): Promise<Record<string, string>> {
      const { containers } = await observeProject(docker, project);
      return Object.fromEntries(
        containers.map((container) => [container.Labels[LABEL.service], container.Id]),
      );
    }

    describe('a three-service stack', () => {
      const name = projectName('three');
      let firstIds: Record<string, string> = {};

      test('up pulls nothing it has, builds the app, waits for the healthy db, and starts all three', async () => {
        const { events, report } = recorder();
        const project = threeServiceProject(name);
        const result = await up(docker, project, { report });
        expect([...result.containers.keys()].sort()).toEqual(['app', 'db', 'web']);

        const { containers, networks, volumes } = await observeProject(docker, name);
        expect(containers.map((container) => container.State)).toEqual(['running', 'running', 'running']);
        expect(containers.map((container) => container.Names[0]).sort()).toEqual([
          `/${name}-app-1`,
          `/${name}-db-1`,
          `/${name}-web-1`,
        ]);
        expect([...networks.keys()].sort()).toEqual([`${name}_back`, `${name}_default`]);
        expect([...volumes]).toEqual([`${name}_data`]);

        // web started only after db was healthy
        const dbHealthy = events.findIndex(
          (event) => event.kind === 'step' && event.service === 'db' && event.action === 'healthy',
        );
        const webStart = events.findIndex(
          (event) =>
            event.kind === 'step' &&
            event.service === 'web' &&
            event.action === 'start' &&
            event.status === 'started',
        );
        expect(dbHealthy).toBeGreaterThan(-1);
        expect(webStart).toBeGreaterThan(dbHealthy);
        expect(
          events.some(
            (event) => event.kind === 'step' && event.action === 'build' && event.status === 'done',
          ),
        ).toBe(true);
        expect(events.some((event) => event.kind === 'step' && event.action === 'pull')).toBe(false);

        const db = await docker.inspectContainer(`${name}-db-1`);
        expect((db.State as { Health?: { Status: string } }).Health?.Status).toBe('healthy');
        const built = await docker
          .request<string>('GET', `/containers/${name}-app-1/archive`, { query: { path: '/built.txt' } })
          .then(
            () => true,
            () => false,
          );
        expect(built).toBe(true);
        firstIds = await idsByService(name);
      });

      test('labels and names match what Compose v2 writes, field by field', async () => {
        const project = threeServiceProject(name);
        const web = await docker.inspectContainer(`${name}-web-1`);
        const image = await docker.inspectImage(bed.images.busybox);
        expect(web.Config.Labels).toEqual({
          [LABEL.project]: name,
          [LABEL.service]: 'web',
          [LABEL.containerNumber]: '1',
          [LABEL.oneoff]: 'False',
          [LABEL.configHash]: serviceConfigHash(project.services.web as never),
          [LABEL.image]: image.Id,
          [LABEL.dependsOn]: 'db:service_healthy:true',
          [LABEL.workingDir]: project.working_dir,
          [LABEL.configFiles]: project.config_files.join(','),
          [LABEL.version]: COMPOSE_VERSION,
        });
        const networks = (web.NetworkSettings as { Networks: Record<string, { Aliases: string[] | null }> })
          .Networks;
        expect(Object.keys(networks).sort()).toEqual([`${name}_back`, `${name}_default`]);
        expect(networks[`${name}_back`]?.Aliases).toEqual(
          expect.arrayContaining([`${name}-web-1`, 'web', 'frontend']),
        );
        expect(web.Config.Env).toContain('MESSAGE=hello');
        // Podman's inspect reports any network mode on its own networks as "bridge".
        expect((web.HostConfig as { NetworkMode: string }).NetworkMode).toBe(
          engine.name === 'docker' ? `${name}_back` : 'bridge',
        );

        const network = await docker.request<{ Labels: Record<string, string> }>(
          'GET',
          `/networks/${name}_back`,
        );
        expect(network.Labels).toEqual({
          [LABEL.network]: 'back',
          [LABEL.project]: name,
          [LABEL.version]: COMPOSE_VERSION,
        });
        const volume = await docker.request<{ Labels: Record<string, string> }>(
          'GET',
          `/volumes/${name}_data`,
        );
        expect(volume.Labels).toEqual({
          [LABEL.volume]: 'data',
          [LABEL.project]: name,
          [LABEL.version]: COMPOSE_VERSION,
        });
      });

      test('a no-change up creates, stops and removes nothing', async () => {
        docker.reset();
        const started = performance.now();
        await up(docker, threeServiceProject(name), { report: () => undefined });
        const elapsed = performance.now() - started;
        expect(docker.count(/^POST .*\/containers\/create/)).toBe(0);
        expect(docker.count(/\/stop$/)).toBe(0);
        expect(docker.count(/^DELETE /)).toBe(0);
        expect(docker.count(/^POST \/build/)).toBe(0);
        expect(await idsByService(name)).toEqual(firstIds);
        expect(elapsed).toBeLessThan(1000);
      });

      test('editing one service recreates only that one', async () => {
        const { events, report } = recorder();
        await up(docker, threeServiceProject(name, { webMessage: 'changed' }), { report });
        const ids = await idsByService(name);
        expect(ids.db).toBe(firstIds.db as string);
        expect(ids.app).toBe(firstIds.app as string);
        expect(ids.web).not.toBe(firstIds.web as string);
        const recreated = events.filter(
          (event) => event.kind === 'step' && event.action === 'recreate' && event.status === 'done',
        );
        expect(recreated.map((event) => (event as { service: string }).service)).toEqual(['web']);
        const web = await docker.inspectContainer(`${name}-web-1`);
        expect(web.Config.Env).toContain('MESSAGE=changed');
      });

      test('a changed dependency restarts the services that ask for it (restart: true), without recreating them', async () => {
        const before = await idsByService(name);
        const startedAt = async (service: string) =>
          (await docker.inspectContainer(`${name}-${service}-1`)).State.StartedAt as string;
        const [webStarted, appStarted] = [await startedAt('web'), await startedAt('app')];
        const { events, report } = recorder();
        await up(docker, threeServiceProject(name, { webMessage: 'changed', dbRole: 'primary' }), { report });
        const after = await idsByService(name);
        expect(after.db).not.toBe(before.db as string);
        expect(after.web).toBe(before.web as string);
        expect(after.app).toBe(before.app as string);
        expect(await startedAt('web')).not.toBe(webStarted);
        expect(await startedAt('app')).toBe(appStarted);
        expect(
          events.some(
            (event) => event.kind === 'step' && event.service === 'web' && event.action === 'restart',
          ),
        ).toBe(true);
        firstIds = after;
      });

      test('stop, start and per-service restart act on the labelled containers', async () => {
        expect(await lifecycle(docker, name, 'stop')).toBe(3);
        expect((await listProjects(docker)).find((project) => project.name === name)?.status).toBe('stopped');
        await lifecycle(docker, name, 'start');
        expect((await listProjects(docker)).find((project) => project.name === name)?.status).toBe('running');
        const before = await docker.inspectContainer(`${name}-web-1`);
        expect(await lifecycle(docker, name, 'restart', { service: 'web' })).toBe(1);
        const after = await docker.inspectContainer(`${name}-web-1`);
        expect(after.State.StartedAt).not.toBe(before.State.StartedAt);
      });

      test('down removes everything the project made and nothing else', async () => {
        const bystander = `${name}_bystander`;
        await docker.request('POST', '/volumes/create', {
          body: { Name: bystander, Labels: { 'windflow.test': '1' } },
        });
        try {
          await down(docker, name, { volumes: true });
          const state = await observeProject(docker, name);
          expect(state.containers).toEqual([]);
          expect(state.networks.size).toBe(0);
          expect(state.volumes.size).toBe(0);
          expect((await docker.request<{ Name: string }>('GET', `/volumes/${bystander}`)).Name).toBe(
            bystander,
          );
        } finally {
          await docker.request('DELETE', `/volumes/${bystander}`);
        }
      });
    });

    describe('scale, orphans and dependencies', () => {
      test('replicas scale up and down; services gone from the file are removed', async () => {
        const name = projectName('scale');
        const image = bed.images.busybox;
        const base = {
          image,
          command: ['sleep', '3600'],
          stop_grace_period: 1e9,
          networks: { default: null },
        };
        await up(docker, projectOf(name, { a: { ...base, scale: 3 }, b: base }), { report: () => undefined });
        let state = await observeProject(docker, name);
        expect(state.containers.map((container) => container.Names[0]).sort()).toEqual([
          `/${name}-a-1`,
          `/${name}-a-2`,
          `/${name}-a-3`,
          `/${name}-b-1`,
        ]);
        await up(docker, projectOf(name, { a: { ...base, scale: 1 } }), { report: () => undefined });
        state = await observeProject(docker, name);
        expect(state.containers.map((container) => container.Names[0])).toEqual([`/${name}-a-1`]);
      });

      test('a recreated container keeps its anonymous volumes', async () => {
        const name = projectName('anon');
        const project = (marker: string) =>
          projectOf(name, {
            keeper: {
              image: bed.images.busybox,
              command: ['sh', '-c', 'test -f /cache/first || echo kept > /cache/first; sleep 3600'],
              init: true,
              environment: { MARKER: marker },
              volumes: [{ type: 'volume', target: '/cache' }],
              networks: { default: null },
            },
          });
        await up(docker, project('a'), { report: () => undefined });
        const before = await docker.inspectContainer(`${name}-keeper-1`);
        await up(docker, project('b'), { report: () => undefined });
        const after = await docker.inspectContainer(`${name}-keeper-1`);
        expect(after.Id).not.toBe(before.Id);
        const volumeOf = (inspect: typeof before) =>
          (inspect.Mounts as { Name: string; Destination: string }[]).find(
            (mount) => mount.Destination === '/cache',
          )?.Name;
        expect(volumeOf(after)).toBe(volumeOf(before) as string);
        await down(docker, name, { volumes: true });
        await expect(docker.request('GET', `/volumes/${volumeOf(before)}`)).rejects.toMatchObject({
          status: 404,
        });
      });

      test('service_completed_successfully waits for the exit; a failing one stops the deploy', async () => {
        const name = projectName('done');
        const image = bed.images.busybox;
        const project = (code: number) =>
          projectOf(name, {
            init: {
              image,
              command: ['sh', '-c', `sleep 1; exit ${code}`],
              init: true,
              networks: { default: null },
            },
            main: {
              image,
              command: ['sleep', '3600'],
              stop_grace_period: 1e9,
              networks: { default: null },
              depends_on: {
                init: { condition: 'service_completed_successfully', restart: false, required: true },
              },
            },
          });
        await up(docker, project(0), { report: () => undefined });
        expect((await docker.inspectContainer(`${name}-main-1`)).State.Running).toBe(true);
        await down(docker, name);
        await expect(up(docker, project(3), { report: () => undefined })).rejects.toThrow(
          'exited with code 3',
        );
        await expect(docker.inspectContainer(`${name}-main-1`)).rejects.toMatchObject({ status: 404 });
      });

      test('secrets and configs given as content are copied in before the container starts', async () => {
        const name = projectName('secrets');
        await up(
          docker,
          projectOf(
            name,
            {
              reader: {
                image: bed.images.busybox,
                command: [
                  'sh',
                  '-c',
                  'cat /run/secrets/token /etc/app/app.conf; stat -c %a /run/secrets/token; sleep 3600',
                ],
                init: true,
                secrets: [{ source: 'token' }],
                configs: [{ source: 'settings', target: '/etc/app/app.conf', mode: 0o440 }],
                networks: { default: null },
              },
            },
            {
              secrets: { token: { name: `${name}_token`, content: 'secret-value\n' } },
              configs: { settings: { name: `${name}_settings`, content: 'mode=fast\n' } },
            },
          ),
          { report: () => undefined },
        );
        await Bun.sleep(500);
        let output = '';
        for await (const line of projectLogs(docker, name, {})) output += `${line.text}\n`;
        expect(output).toBe('secret-value\nmode=fast\n444\n');
      });

      test('merged logs name each line with its container', async () => {
        const name = projectName('logs');
        const image = bed.images.busybox;
        await up(
          docker,
          projectOf(name, {
            one: {
              image,
              command: ['sh', '-c', 'echo from-one; sleep 3600'],
              init: true,
              networks: { default: null },
            },
            two: {
              image,
              command: ['sh', '-c', 'echo from-two; sleep 3600'],
              init: true,
              networks: { default: null },
            },
          }),
          { report: () => undefined },
        );
        await Bun.sleep(300);
        const lines = [];
        for await (const line of projectLogs(docker, name, {})) lines.push(line);
        expect(lines).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ container: `${name}-one-1`, service: 'one', text: 'from-one' }),
            expect.objectContaining({ container: `${name}-two-1`, service: 'two', text: 'from-two' }),
          ]),
        );
      });
    });
  });
}
