// Stacks through the API against the real daemon and the test registry: a three-service stack
// deploys; editing one service recreates only it; a missing image and a failing healthcheck each
// leave the previous revision running; rollback restores revision 1's image digest; down removes
// what the stack made and nothing else; bad input is a clear 4xx with nothing created; variables
// are sealed and masked; host powers and permissions are enforced; a project made outside
// Windflow is adopted without being recreated.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Principal } from '../../auth/principal.ts';
import { up } from '../../docker/compose/converge.ts';
import { LABEL } from '../../docker/compose/labels.ts';
import { loadProject } from '../../docker/compose/load.ts';
import { down } from '../../docker/compose/operations.ts';
import type { StackDetail, StackSummary } from '../../docker/views.ts';
import type { Job } from '../../jobs/job-registry.ts';
import { StackService } from '../../stacks/stack-service.ts';
import { StackStore } from '../../stacks/stack-store.ts';
import type { StackRevision } from '../../store/records.ts';
import { testEngines } from '../../testing/engines.ts';
import { jobEnd } from '../../testing/jobs.ts';
import type { ApiSession } from '../../testing/session.ts';
import { testbed } from '../../testing/testbed.ts';
import { type LocalEnvironment, localEnvironment, principalWith, routesApp } from './docker-test-fixture.ts';
import { stackRoutes } from './stacks.ts';

for (const engine of testEngines()) {
  describe(engine.name, () => {
    const bed = testbed();
    const busybox = bed.images.busybox;
    let env: LocalEnvironment;
    let service: StackService;
    let admin: ApiSession;
    let base: string;
    let stacksDir: string;
    const projects: string[] = [];
    const images: string[] = [];

    beforeAll(async () => {
      env = await localEnvironment({ engine });
      stacksDir = mkdtempSync(join(tmpdir(), 'windflow-stacks-test-'));
      service = new StackService({
        stacks: new StackStore(env.db, env.secrets),
        environments: env.environments,
        clients: env.clients,
        jobs: env.jobs,
        registries: env.registries,
        stacksDir,
        graceMs: 4_000,
      });
      ({ api: admin } = routesApp((access) => stackRoutes({ access, stackService: service })));
      base = `/api/environments/${env.environmentId}/stacks`;
    });

    afterAll(async () => {
      await Promise.all(
        projects.map((name) => down(env.docker, name, { volumes: true }).catch(() => undefined)),
      );
      await Promise.all(
        images.map((image) => env.docker.removeImage(image, { force: true }).catch(() => undefined)),
      );
      rmSync(stacksDir, { recursive: true, force: true });
      await env.close();
    }, 120_000);

    let counter = 0;
    const run = `${process.pid}${Date.now().toString(36)}`;
    function stackName(prefix: string): string {
      const name = `wfst-${prefix}-${run}-${++counter}`;
      projects.push(name);
      return name;
    }

    const finished = (job: Job) => jobEnd(env.jobs, job);

    async function deployed(method: 'POST' | 'PUT', path: string, body: unknown): Promise<Job> {
      const answer = await admin.call(method, path, body);
      if (answer.status !== 202) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
      return finished(answer.body as Job);
    }

    async function containerIds(name: string): Promise<Record<string, string>> {
      const containers = await env.docker.listContainers({
        all: true,
        filters: { label: [`${LABEL.project}=${name}`] },
      });
      return Object.fromEntries(
        containers.map((container) => [container.Labels[LABEL.service], container.Id]),
      );
    }

    async function revisionsOf(name: string): Promise<StackRevision[]> {
      return (await admin.call('GET', `${base}/${name}/revisions`)).body as StackRevision[];
    }

    const threeServices = (options: { webMessage?: string; webImage?: string; webHealth?: string } = {}) => `
services:
  db:
    image: ${busybox}
    command: ["sh", "-c", "touch /data/ready; sleep 3600"]
    env_file: [db.env]
    volumes: [data:/data]
    networks: [back]
    stop_grace_period: 1s
    healthcheck:
      test: ["CMD-SHELL", "test -f /data/ready"]
      interval: 1s
      timeout: 1s
      retries: 10
  web:
    image: ${options.webImage ?? busybox}
    command: ["sleep", "3600"]
    environment:
      MESSAGE: ${options.webMessage ?? `$${'{GREETING}'}`}
    depends_on:
      db: { condition: service_healthy }
    networks: [back, default]
    stop_grace_period: 1s
${options.webHealth ? `    healthcheck:\n      test: ["CMD-SHELL", "${options.webHealth}"]\n      interval: 1s\n      timeout: 1s\n      retries: 2\n` : ''}  app:
    build: ./app
    image: windflow-test/$${'{APP_IMAGE}'}:latest
    depends_on: [db]
    stop_grace_period: 1s
networks:
  back:
volumes:
  data:
`;

    describe('a three-service stack', () => {
      const name = stackName('three');
      let firstIds: Record<string, string> = {};

      beforeAll(() => {
        const folder = join(stacksDir, String(env.environmentId), name);
        mkdirSync(join(folder, 'app'), { recursive: true });
        writeFileSync(join(folder, 'db.env'), 'ROLE=database\n');
        writeFileSync(join(folder, 'app', 'Dockerfile'), `FROM ${busybox}\nCMD ["sleep", "3600"]\n`);
        images.push(`windflow-test/${name}-app:latest`);
      });

      test('deploys with its .env, env_file, named volume, custom network, healthy dependency and build', async () => {
        const job = await deployed('POST', base, {
          name,
          compose: threeServices(),
          env: `GREETING=hello\nAPP_IMAGE=${name}-app\n`,
        });
        expect(job).toMatchObject({ status: 'succeeded', kind: 'stacks:deploy', target: name });
        const events = (await env.jobs.events(job.id)).map(
          (event) => event.data as { kind: string; action?: string; service?: string },
        );
        expect(events.some((event) => event.action === 'build')).toBe(true);
        expect(events.some((event) => event.action === 'healthy' && event.service === 'db')).toBe(true);

        const web = await env.docker.inspectContainer(`${name}-web-1`);
        expect(web.Config.Env).toContain('MESSAGE=hello');
        const db = await env.docker.inspectContainer(`${name}-db-1`);
        expect(db.Config.Env).toContain('ROLE=database');
        expect(web.Config.Labels?.[LABEL.workingDir]).toBe(join(stacksDir, String(env.environmentId), name));

        const detail = (await admin.call('GET', `${base}/${name}`)).body as StackDetail;
        expect(detail).toMatchObject({
          name,
          managed: true,
          status: 'running',
          revision: 1,
          lastOutcome: 'deployed',
        });
        expect(detail.services).toEqual(['app', 'db', 'web']);
        const [revision] = await revisionsOf(name);
        expect(revision).toMatchObject({
          number: 1,
          outcome: 'deployed',
          env: expect.stringContaining('GREETING=hello'),
        });
        expect(Object.keys(revision?.images ?? {}).sort()).toEqual(['app', 'db', 'web']);
        const list = (await admin.call('GET', base)).body as StackSummary[];
        expect(list.find((stack) => stack.name === name)).toMatchObject({ status: 'running', managed: true });
        firstIds = await containerIds(name);
      });

      test('a preview names what would change; editing one service recreates only that one', async () => {
        const compose = threeServices({ webMessage: 'changed' });
        const env2 = `GREETING=hello\nAPP_IMAGE=${name}-app\n`;
        const preview = await admin.call('POST', `${base}/${name}/preview`, { compose, env: env2 });
        expect(preview.status).toBe(200);
        const plan = (
          preview.body as { plan: { services: { service: string; containers: { change: string }[] }[] } }
        ).plan;
        const changes = Object.fromEntries(
          plan.services.map((entry) => [entry.service, entry.containers.map((c) => c.change)]),
        );
        expect(changes).toEqual({ db: ['keep'], web: ['recreate'], app: ['keep'] });

        const job = await deployed('PUT', `${base}/${name}`, { compose, env: env2 });
        expect(job.status).toBe('succeeded');
        const ids = await containerIds(name);
        expect(ids.db).toBe(firstIds.db as string);
        expect(ids.app).toBe(firstIds.app as string);
        expect(ids.web).not.toBe(firstIds.web as string);
        firstIds = ids;
      });

      test('a deploy whose image cannot be pulled leaves the previous revision running', async () => {
        const job = await deployed('PUT', `${base}/${name}`, {
          compose: threeServices({
            webMessage: 'changed',
            webImage: `${bed.registry.address}/windflow-test/missing-${run}:1`,
          }),
          env: `GREETING=hello\nAPP_IMAGE=${name}-app\n`,
        });
        expect(job.status).toBe('failed');
        expect(job.error).toContain('pulling');
        expect(job.error).toContain('Revision 2 was put back');
        expect(await containerIds(name)).toEqual(firstIds);
        const [latest] = await revisionsOf(name);
        expect(latest).toMatchObject({ number: 3, outcome: 'rolled-back' });
        expect(latest?.message).toContain('pulling');
      });

      test('a deploy whose container fails its healthcheck puts the previous revision back', async () => {
        const job = await deployed('PUT', `${base}/${name}`, {
          compose: threeServices({ webMessage: 'broken', webHealth: 'exit 1' }),
          env: `GREETING=hello\nAPP_IMAGE=${name}-app\n`,
        });
        expect(job.status).toBe('failed');
        expect(job.error).toMatch(/healthcheck|healthy/);
        expect(job.error).toContain('Revision 2 was put back');
        const web = await env.docker.inspectContainer(`${name}-web-1`);
        expect(web.State.Running).toBe(true);
        expect(web.Config.Env).toContain('MESSAGE=changed');
        const ids = await containerIds(name);
        expect(ids.db).toBe(firstIds.db as string);
        const [latest] = await revisionsOf(name);
        expect(latest).toMatchObject({ number: 4, outcome: 'rolled-back' });
        const detail = (await admin.call('GET', `${base}/${name}`)).body as StackDetail;
        expect(detail.revision).toBe(2);
      });

      test('down removes everything the stack made and nothing else', async () => {
        const bystander = `${name}_bystander`;
        await env.docker.request('POST', '/volumes/create', {
          body: { Name: bystander, Labels: env.labels },
        });
        try {
          const answer = await admin.call('DELETE', `${base}/${name}?volumes=1`);
          expect(answer.status).toBe(204);
          expect(await containerIds(name)).toEqual({});
          const filters = JSON.stringify({ label: [`${LABEL.project}=${name}`] });
          expect(await env.docker.request<unknown[]>('GET', '/networks', { query: { filters } })).toEqual([]);
          const volumes = await env.docker.request<{ Volumes: unknown[] | null }>('GET', '/volumes', {
            query: { filters },
          });
          expect(volumes.Volumes ?? []).toEqual([]);
          expect((await env.docker.request<{ Name: string }>('GET', `/volumes/${bystander}`)).Name).toBe(
            bystander,
          );
          expect((await admin.call('GET', `${base}/${name}`)).status).toBe(404);
        } finally {
          await env.docker.request('DELETE', `/volumes/${bystander}`);
        }
      });
    });

    // On Podman an image pushed from a commit keeps two digests (its local manifest's and the
    // registry's) and a revision may pin the one the registry lacks: Docker only (see the README).
    describe.if(engine.name === 'docker')('rollback', () => {
      test('rolling back to revision 1 runs revision 1’s image digest, though the tag moved', async () => {
        const name = stackName('rollback');
        const repository = `${bed.registry.address}/windflow-test/stack-rollback-${run}`;
        const reference = `${repository}:live`;
        images.push(reference);
        const pushVersion = async (version: string): Promise<string> => {
          const { Id } = await env.docker.createContainer({
            Image: busybox,
            Cmd: ['true'],
            Labels: env.labels,
          });
          try {
            await env.docker.request('POST', '/commit', {
              query: {
                container: Id,
                repo: repository,
                tag: 'live',
                changes: `LABEL windflow.test.version=${version}`,
              },
              body: {}, // Podman refuses a commit without a body
            });
          } finally {
            await env.docker.removeContainer(Id, { force: true });
          }
          for await (const _ of env.docker.pushImage(reference)) {
            // pushed when the stream ends
          }
          return (await env.docker.inspectImage(reference)).Id;
        };
        const compose = `services:\n  app:\n    image: ${reference}\n    pull_policy: always\n    command: ["sleep", "3600"]\n    stop_grace_period: 1s\n`;
        const first = await pushVersion('1');
        expect((await deployed('POST', base, { name, compose })).status).toBe('succeeded');
        expect((await env.docker.inspectContainer(`${name}-app-1`)).Image).toBe(first);

        const second = await pushVersion('2');
        expect(second).not.toBe(first);
        await env.docker.removeImage(first, { force: true }).catch(() => undefined);
        expect((await deployed('PUT', `${base}/${name}`, { compose })).status).toBe('succeeded');
        expect((await env.docker.inspectContainer(`${name}-app-1`)).Image).toBe(second);

        const revisions = await revisionsOf(name);
        expect(revisions.map((revision) => revision.images.app)).toEqual([
          expect.stringMatching(/@sha256:/),
          expect.stringMatching(/@sha256:/),
        ]);
        const answer = await admin.call('POST', `${base}/${name}/rollback`, { revision: 1 });
        expect(answer.status).toBe(202);
        const rolled = await finished(answer.body as Job);
        expect(rolled.status, rolled.error).toBe('succeeded');
        const container = await env.docker.inspectContainer(`${name}-app-1`);
        expect(container.Image).toBe(first);
        expect(container.Config.Labels?.['windflow.test.version']).toBe('1');
        const [latest] = await revisionsOf(name);
        expect(latest).toMatchObject({ number: 3, outcome: 'deployed', rollbackOf: 1 });
        expect(latest?.images.app).toBe(revisions[1]?.images.app as string);

        const missing = await admin.call('POST', `${base}/${name}/rollback`, { revision: 9 });
        expect(missing).toMatchObject({ status: 404, body: { code: 'REVISION_NOT_FOUND' } });
      });
    });

    describe('bad input is a clear 4xx and creates nothing', () => {
      const name = `wfst-bad-${run}`;
      const cases: [string, unknown, number, string | RegExp][] = [
        [
          'invalid YAML',
          { name, compose: 'services:\n  web:\n    image: [unclosed\n' },
          400,
          'COMPOSE_YAML_INVALID',
        ],
        [
          'an unknown key',
          { name, compose: `services:\n  web:\n    image: ${busybox}\n    imagee: typo\n` },
          400,
          'COMPOSE_SCHEMA_INVALID',
        ],
        [
          'a required variable missing',
          { name, compose: `services:\n  web:\n    image: $\{IMAGE:?missing}\n` },
          400,
          'COMPOSE_VARIABLE_REQUIRED',
        ],
        [
          'a name with capitals',
          { name: 'MyStack', compose: `services:\n  web:\n    image: ${busybox}\n` },
          400,
          'VALIDATION',
        ],
        [
          'a name with dots',
          { name: 'my.stack', compose: `services:\n  web:\n    image: ${busybox}\n` },
          400,
          'VALIDATION',
        ],
        [
          'a 10 MB compose file',
          { name, compose: `services:\n  web:\n    image: ${busybox}\n#${'x'.repeat(10 * 1024 * 1024)}\n` },
          413,
          /^(BODY|COMPOSE)_TOO_LARGE$/,
        ],
      ];
      for (const [what, body, status, code] of cases) {
        test(what, async () => {
          const answer = await admin.call('POST', base, body);
          expect(answer.status).toBe(status);
          expect((answer.body as { code: string }).code).toMatch(code);
          expect((answer.body as { message: string }).message.length).toBeGreaterThan(10);
          expect(await containerIds(name)).toEqual({});
          expect(
            ((await admin.call('GET', base)).body as StackSummary[]).some((stack) => stack.name === name),
          ).toBe(false);
        });
      }

      test('the error names the file, line and key', async () => {
        const answer = await admin.call('POST', base, {
          name,
          compose: `services:\n  web:\n    image: ${busybox}\n    imagee: typo\n`,
        });
        expect((answer.body as { message: string }).message).toContain('compose.yaml:4');
        expect((answer.body as { message: string }).message).toContain('imagee');
      });

      test('a host port another container publishes', async () => {
        const holder = await env.docker.createContainer(
          {
            Image: busybox,
            Cmd: ['sleep', '60'],
            Labels: env.labels,
            HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '0' }] } },
            ExposedPorts: { '80/tcp': {} },
          },
          env.name('port-holder'),
        );
        try {
          await env.docker.startContainer(holder.Id);
          const port = (await env.docker.listContainers({ filters: { id: [holder.Id] } }))[0]?.Ports as {
            PublicPort: number;
          }[];
          const taken = port[0]?.PublicPort;
          const answer = await admin.call('POST', base, {
            name,
            compose: `services:\n  web:\n    image: ${busybox}\n    ports: ["${taken}:80"]\n`,
          });
          expect(answer).toMatchObject({ status: 409, body: { code: 'PORT_TAKEN' } });
          expect((answer.body as { message: string }).message).toContain(String(taken));
          expect(await containerIds(name)).toEqual({});
        } finally {
          await env.docker.removeContainer(holder.Id, { force: true });
        }
      });
    });

    describe('variables, host powers and permissions', () => {
      test('secret variables are sealed at rest, masked in answers, and reach the containers', async () => {
        const name = stackName('vars');
        const job = await deployed('POST', base, {
          name,
          compose: `services:\n  app:\n    image: ${busybox}\n    command: ["sleep", "3600"]\n    stop_grace_period: 1s\n    environment:\n      TOKEN: \${TOKEN}\n      MODE: \${MODE}\n`,
          variables: [
            { name: 'TOKEN', secret: true, value: 'very-secret-token' },
            { name: 'MODE', value: 'plain' },
          ],
        });
        expect(job.status).toBe('succeeded');
        expect((await env.docker.inspectContainer(`${name}-app-1`)).Config.Env).toEqual(
          expect.arrayContaining(['TOKEN=very-secret-token', 'MODE=plain']),
        );
        const detail = await admin.call('GET', `${base}/${name}`);
        expect(detail.text).not.toContain('very-secret-token');
        expect((detail.body as StackDetail).variables).toEqual([
          { name: 'MODE', secret: false, value: 'plain' },
          { name: 'TOKEN', secret: true, value: null },
        ]);
        const rows = await env.db.all<Record<string, unknown>>('SELECT * FROM stack_variables');
        expect(JSON.stringify(rows)).not.toContain('very-secret-token');
        // Saved back without the secret's value, it keeps it.
        const again = await deployed('PUT', `${base}/${name}`, {
          compose: `services:\n  app:\n    image: ${busybox}\n    command: ["sleep", "3601"]\n    stop_grace_period: 1s\n    environment:\n      TOKEN: \${TOKEN}\n`,
          variables: [{ name: 'TOKEN', secret: true }],
        });
        expect(again.status).toBe('succeeded');
        expect((await env.docker.inspectContainer(`${name}-app-1`)).Config.Env).toContain(
          'TOKEN=very-secret-token',
        );
      });

      test('host powers need host:access: refused with 403 before anything is created', async () => {
        const name = stackName('powers');
        const deployer: Principal = principalWith('stacks:read', 'stacks:deploy');
        const { api } = routesApp((access) => stackRoutes({ access, stackService: service }), deployer);
        for (const field of [
          'privileged: true',
          'volumes: ["/etc:/host-etc"]',
          'cap_add: [SYS_ADMIN]',
          'network_mode: host',
          'volumes: ["/var/run/docker.sock:/var/run/docker.sock"]',
        ]) {
          const answer = await api.call('POST', base, {
            name,
            compose: `services:\n  app:\n    image: ${busybox}\n    ${field}\n`,
          });
          expect(answer).toMatchObject({ status: 403, body: { code: 'HOST_ACCESS_REQUIRED' } });
          expect(await containerIds(name)).toEqual({});
        }
        const plain = await api.call('POST', base, {
          name,
          compose: `services:\n  app:\n    image: ${busybox}\n    command: ["sleep", "3600"]\n    stop_grace_period: 1s\n`,
        });
        expect(plain.status).toBe(202);
        expect((await finished(plain.body as Job)).status).toBe('succeeded');
      });

      test('reading stacks allows neither deploying, rolling back, acting nor removing', async () => {
        const { api } = routesApp(
          (access) => stackRoutes({ access, stackService: service }),
          principalWith('stacks:read'),
        );
        const compose = `services:\n  app:\n    image: ${busybox}\n`;
        expect((await api.call('GET', base)).status).toBe(200);
        for (const [method, path, body] of [
          ['POST', base, { name: 'x', compose }],
          ['PUT', `${base}/x`, { compose }],
          ['DELETE', `${base}/x`, undefined],
          ['POST', `${base}/x/rollback`, { revision: 1 }],
          ['POST', `${base}/x/restart`, undefined],
          ['POST', `${base}/x/pull`, undefined],
        ] as const) {
          expect((await api.call(method, path, body)).status).toBe(403);
        }
      });
    });

    describe('adoption', () => {
      test('a project deployed outside Windflow is listed, and deploying it adopts it without recreating', async () => {
        const name = stackName('adopt');
        const compose = `services:\n  one:\n    image: ${busybox}\n    command: ["sleep", "3600"]\n    stop_grace_period: 1s\n  two:\n    image: ${busybox}\n    command: ["sleep", "3600"]\n    stop_grace_period: 1s\n`;
        // As `docker compose up -d` in another folder would.
        const elsewhere = mkdtempSync(join(tmpdir(), 'windflow-compose-elsewhere-'));
        try {
          writeFileSync(join(elsewhere, 'compose.yaml'), compose);
          const project = await loadProject({
            workingDir: elsewhere,
            projectName: name,
            files: [{ path: 'compose.yaml' }],
          });
          await up(env.docker, project, { report: () => undefined });
        } finally {
          rmSync(elsewhere, { recursive: true, force: true });
        }
        const before = await containerIds(name);
        const listed = ((await admin.call('GET', base)).body as StackSummary[]).find(
          (stack) => stack.name === name,
        );
        expect(listed).toMatchObject({
          managed: false,
          origin: 'engine',
          status: 'running',
          services: ['one', 'two'],
        });

        const job = await deployed('PUT', `${base}/${name}`, { compose });
        expect(job.status).toBe('succeeded');
        expect(await containerIds(name)).toEqual(before);
        const detail = (await admin.call('GET', `${base}/${name}`)).body as StackDetail;
        expect(detail).toMatchObject({ managed: true, origin: 'adopted', revision: 1 });
      });
    });
  });
}
