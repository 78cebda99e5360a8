// GET /metrics: parsed with a Prometheus text-format parser, it carries the running containers
// with their labels and Windflow's own process figures; only a caller holding metrics:scrape
// gets it (an API token made for scraping, not a viewer, not a token for other things).
import { afterAll, beforeAll, expect, test } from 'bun:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { DockerClient } from '../docker/client.ts';
import { localDocker, TestContainers } from '../docker/test-support.ts';
import type { Environment } from '../store/records.ts';
import { startTestApp, type TestApp } from '../testing/app.ts';
import type { ApiSession } from '../testing/session.ts';
import { testbed } from '../testing/testbed.ts';
import { exposition } from './prometheus.ts';

let app: TestApp;
let admin: ApiSession;
let docker: DockerClient;
let containers: TestContainers;
let name: string;
const STACK = `wfprom${process.pid}`;

beforeAll(async () => {
  app = await startTestApp({ metricsIntervalMs: 1000 });
  admin = await app.session().setUpAdmin();
  const environmentId = (
    await admin.call('POST', '/api/environments', {
      name: 'local main',
      type: 'local-socket',
      address: testbed().dockerSocket,
    })
  ).body.id;
  docker = localDocker();
  containers = new TestContainers(docker);
  const id = await containers.run(['sleep', '3600'], {
    Labels: {
      'windflow.test': '1',
      'com.docker.compose.project': STACK,
      'com.docker.compose.service': 'api',
    },
  });
  name = (await docker.inspectContainer(id)).Name.slice(1);
  const ready = new Promise<void>((resolve) => {
    const stop = app.services.readings.subscribe((batch) => {
      if (batch.environmentId === environmentId && batch.containers.some((c) => c.name === name)) {
        stop();
        resolve();
      }
    });
  });
  app.services.collector.start();
  await ready;
}, 120_000);

afterAll(async () => {
  await app?.close();
  await containers?.removeAll();
  docker?.close();
});

const tokenFor = async (scope: string[]) => {
  const created = await admin.call('POST', '/api/auth/tokens', { name: scope.join(' '), scope });
  expect(created.status).toBe(201);
  return app.session().withToken(created.body.secret);
};

test('the exposition parses and carries the running containers and the process', async () => {
  const scraper = await tokenFor(['metrics:scrape']);
  const response = await scraper.request('GET', '/metrics');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('version=0.0.4');
  const families = parsePrometheusTextFormat(await response.text());
  const family = (wanted: string) => families.find((candidate) => candidate.name === wanted);
  const ours = family('windflow_container_up')?.metrics.find((metric) => metric.labels?.container === name);
  expect(ours).toEqual({
    value: '1',
    labels: { environment: 'local main', container: name, stack: STACK, service: 'api' },
  });
  expect(family('windflow_container_memory_usage_bytes')?.type).toBe('GAUGE');
  expect(family('windflow_container_network_receive_bytes_total')?.type).toBe('COUNTER');
  expect(
    Number(
      family('windflow_container_memory_usage_bytes')?.metrics.find((m) => m.labels?.container === name)
        ?.value,
    ),
  ).toBeGreaterThan(0);
  expect(family('windflow_environment_up')?.metrics).toEqual([
    { value: '1', labels: { environment: 'local main' } },
  ]);
  expect(Number(family('windflow_host_memory_total_bytes')?.metrics[0]?.value)).toBeGreaterThan(0);
  expect(Number(family('process_resident_memory_bytes')?.metrics[0]?.value)).toBeGreaterThan(1_000_000);
  expect(family('process_cpu_seconds_total')?.type).toBe('COUNTER');
});

test('only metrics:scrape opens it: anonymous, a viewer and a token for other things are refused', async () => {
  expect((await app.session().call('GET', '/metrics')).status).toBe(401);
  const other = await tokenFor(['containers:read', 'environments:read']);
  const refused = await other.call('GET', '/metrics');
  expect(refused.status).toBe(403);
  expect(refused.body.code).toBe('FORBIDDEN');
  await admin.call('POST', '/api/users', {
    username: 'vic',
    password: 'viewer secret 4242',
    roles: [{ role: 'viewer' }],
  });
  const viewer = app.session();
  await viewer.login({ username: 'vic', password: 'viewer secret 4242' });
  expect((await viewer.call('GET', '/metrics')).status).toBe(403);
  expect((await (await tokenFor(['*'])).call('GET', '/metrics')).status).toBe(200);
});

test('label values with quotes, backslashes and line breaks survive the round trip', () => {
  const stack = 'odd "stack" \\ with\na break';
  const text = exposition({
    environments: [
      {
        environment: { id: 1, name: 'local', type: 'local-socket' } as Environment,
        batch: {
          environmentId: 1,
          at: 0,
          reachable: true,
          host: null,
          containers: [
            {
              environmentId: 1,
              containerId: 'c1',
              name: 'web',
              stack,
              service: null,
              at: 0,
              state: 'exited',
              health: null,
              restartCount: 3,
              cpuPercent: 0,
              memoryBytes: 0,
              memoryLimitBytes: 0,
              networkRxBytes: 0,
              networkTxBytes: 0,
              blockReadBytes: 0,
              blockWriteBytes: 0,
            },
          ],
        },
      },
    ],
    version: '1.2.3',
    engineCalls: 7,
  });
  const families = parsePrometheusTextFormat(text);
  const restarts = families.find((family) => family.name === 'windflow_container_restarts_total');
  expect(restarts?.metrics).toEqual([
    { value: '3', labels: { environment: 'local', container: 'web', stack, service: '' } },
  ]);
  // A stopped container has no usage samples, only its state and restarts.
  expect(families.find((family) => family.name === 'windflow_container_cpu_percent')?.metrics ?? []).toEqual(
    [],
  );
});
