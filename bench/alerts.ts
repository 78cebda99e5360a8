// Benchmark: alert rules on a busy environment. 300 containers per collection round through the
// readings feed, against 20 threshold rules (all containers, per stack, per container), with a
// third of the containers crossing and falling back each few rounds so alerts fire and resolve:
// time to evaluate one round, and the heap after many rounds (it must stay flat). Needs the test
// bed (a store and the test daemon as the environment).
//
//   bun bench/alerts.ts      (WINDFLOW_BENCH_CONTAINERS=500 for another count)
import { localEnvironment } from '../src/http/routes/docker-test-fixture.ts';
import type { ContainerReading } from '../src/monitoring/readings.ts';
import { summary } from './measure.ts';

const CONTAINERS = Number(process.env.WINDFLOW_BENCH_CONTAINERS ?? 300);
const ROUNDS = 2_000;
const STACKS = 10;

const env = await localEnvironment();
try {
  const { alertStore, alerts, readings } = env.services;
  await alerts.start();
  const rules: Parameters<typeof alertStore.createRule>[0][] = [];
  for (const kind of ['cpu', 'memory'] as const) {
    rules.push({
      name: `${kind} all`,
      kind,
      severity: 'warning',
      params: { threshold: 80, durationSeconds: 30, resolveAfterSeconds: 30 },
    });
    for (let stack = 0; stack < STACKS - 2; stack++)
      rules.push({
        name: `${kind} s${stack}`,
        kind,
        severity: 'error',
        stack: `s${stack}`,
        params: { threshold: 90, durationSeconds: 0, resolveAfterSeconds: 0 },
      });
  }
  rules.push({ name: 'one', kind: 'cpu', severity: 'critical', container: 'c-1', params: { threshold: 50 } });
  rules.push({
    name: 'disk',
    kind: 'host-disk',
    severity: 'error',
    params: { threshold: 90, durationSeconds: 0, resolveAfterSeconds: 0 },
  });
  for (const rule of rules) await alerts.rulesChanged((await alertStore.createRule(rule, 'bench')).id);

  const containers: ContainerReading[] = Array.from({ length: CONTAINERS }, (_, index) => ({
    environmentId: env.environmentId,
    containerId: `id-${index}`,
    name: `c-${index}`,
    stack: `s${index % STACKS}`,
    service: 'web',
    at: 0,
    state: 'running',
    health: null,
    restartCount: 0,
    cpuPercent: 1,
    memoryBytes: 100,
    memoryLimitBytes: 1_000,
    networkRxBytes: 0,
    networkTxBytes: 0,
    blockReadBytes: 0,
    blockWriteBytes: 0,
  }));
  const round = (index: number) => {
    const at = Date.now() + index * 10_000;
    const hot = Math.floor(index / 5) % 2 === 0; // five rounds hot, five calm
    for (const [position, container] of containers.entries()) {
      const busy = hot && position % 3 === 0;
      container.at = at;
      container.cpuPercent = busy ? 95 : 2;
      container.memoryBytes = busy ? 950 : 100;
    }
    const host = {
      environmentId: env.environmentId,
      at,
      cpuPercent: 10,
      memoryUsedBytes: 1,
      memoryTotalBytes: 2,
    };
    readings.publish({
      environmentId: env.environmentId,
      at,
      reachable: true,
      host: {
        ...host,
        diskUsedBytes: hot ? 95 : 50,
        diskTotalBytes: 100,
        networkRxBytes: 0,
        networkTxBytes: 0,
      },
      containers,
    });
  };

  for (let index = 0; index < 50; index++) round(index);
  await alerts.idle();
  Bun.gc(true);
  const heapBefore = process.memoryUsage().heapUsed;
  const samples: number[] = [];
  for (let index = 50; index < 50 + ROUNDS; index++) {
    const started = performance.now();
    round(index);
    samples.push(performance.now() - started);
    if (index % 50 === 0) await alerts.idle(); // let the store keep up, as 10 s between rounds would
  }
  await alerts.idle();
  Bun.gc(true);
  const heapAfter = process.memoryUsage().heapUsed;
  const fired = (await alertStore.alerts({ limit: 100_000 })).length;
  samples.sort((a, b) => a - b);
  console.log(
    `alerts: ${CONTAINERS} containers × ${rules.length} rules, ${ROUNDS} rounds, ${fired} alerts fired`,
  );
  console.log(`  one round evaluated in ${summary(samples)} (the collector's interval is 10 000 ms)`);
  console.log(
    `  heap ${(heapBefore / 1_048_576).toFixed(1)} MiB → ${(heapAfter / 1_048_576).toFixed(1)} MiB after ${ROUNDS} rounds`,
  );
  await alerts.stop();
} finally {
  await env.close();
}
