// Benchmark: monitoring 300 running containers on the test daemon. With collection running every
// 10 s in the built binary: its CPU share and resident memory, the Engine calls monitoring makes
// per minute, and the store's growth per day (extrapolated from the rounds seen). Then a store
// filled with a steady state of 30 days for 300 containers and their host (raw for a day, 1-minute
// for a week, 5-minute for 30 days) gives its size, computed and measured, and the time to answer
// a 30-day chart for one container and for the host. Needs the test bed and `bun run build`.
//
//   bun run bench:metrics      (WINDFLOW_BENCH_CONTAINERS=100 for another count)
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient } from '../src/docker/client.ts';
import { MetricHistoryReader } from '../src/monitoring/history-query.ts';
import { openDatabase, SQLITE_FILE } from '../src/store/database.ts';
import { EnvironmentStore } from '../src/store/environments.ts';
import { type MetricPoint, MetricStore, type Tier } from '../src/store/metrics.ts';
import { migrate } from '../src/store/migrate.ts';
import { ScheduleStore } from '../src/store/schedules.ts';
import { SecretBox } from '../src/store/secret-box.ts';
import { startBinary } from '../src/testing/binary.ts';
import { ApiSession } from '../src/testing/session.ts';
import { testbed } from '../src/testing/testbed.ts';
import { ensureBenchContainers, removeBenchContainers } from './containers-fixture.ts';
import { mib, summary, timeRounds } from './measure.ts';

const CONTAINERS = Number(process.env.WINDFLOW_BENCH_CONTAINERS ?? 300);
const INTERVAL_S = 10;
const WINDOW_MS = 60_000;
const CLOCK_TICKS = 100;

const { dockerSocket, images } = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: dockerSocket });
const dataDir = mkdtempSync(join(tmpdir(), 'windflow-bench-metrics-'));
const scratchDir = mkdtempSync(join(tmpdir(), 'windflow-bench-metrics-store-'));

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
};
const storeBytes = (dir: string) =>
  ['', '-wal'].reduce((total, suffix) => {
    try {
      return total + statSync(join(dir, `${SQLITE_FILE}${suffix}`)).size;
    } catch {
      return total;
    }
  }, 0);

let rawPointsPerDay = 0;
try {
  const ids = await ensureBenchContainers(docker, images.busybox, CONTAINERS);
  for (let start = 0; start < ids.length; start += 20)
    await Promise.all(ids.slice(start, start + 20).map((id) => docker.startContainer(id)));
  const running = (await docker.listContainers()).length;
  console.log(`${CONTAINERS} bench containers running (${running} running on the daemon in all)`);

  const server = await startBinary({
    dataDir,
    dockerSocket,
    env: { WINDFLOW_METRICS_INTERVAL: String(INTERVAL_S) },
  });
  try {
    const api = await ApiSession.forServer(server.url).setUpAdmin();
    const token = (
      await api.call('POST', '/api/auth/tokens', { name: 'prometheus', scope: ['metrics:scrape'] })
    ).body.secret as string;
    const scrape = async () => {
      const text = await (
        await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
      ).text();
      return Number(/^windflow_monitoring_engine_calls_total (\d+)/m.exec(text)?.[1] ?? Number.NaN);
    };
    // Let the first rounds (and the first inspects of every container) pass.
    await Bun.sleep(2 * INTERVAL_S * 1000);
    const pointsOf = async () => {
      const db = await openDatabase({ dataDir });
      try {
        return Number(
          (await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM metric_points WHERE tier = 0'))?.n ?? 0,
        );
      } finally {
        await db.close();
      }
    };
    const before = {
      calls: await scrape(),
      cpu: cpuSeconds(server.pid),
      points: await pointsOf(),
    };
    const started = performance.now();
    await Bun.sleep(WINDOW_MS);
    const elapsed = performance.now() - started;
    const after = {
      calls: await scrape(),
      cpu: cpuSeconds(server.pid),
      points: await pointsOf(),
    };
    const perMinute = (value: number) => (value * 60_000) / elapsed;
    console.log(
      `collection every ${INTERVAL_S} s: server CPU ${((100 * (after.cpu - before.cpu) * 1000) / elapsed).toFixed(1)} % of one core, resident ${mib(server.residentKiB())}`,
    );
    console.log(
      `Engine calls by monitoring: ${perMinute(after.calls - before.calls).toFixed(0)} per minute (${((after.calls - before.calls) / (elapsed / 1000 / INTERVAL_S) / (running + 1)).toFixed(2)} per container per round)`,
    );
    rawPointsPerDay = perMinute(after.points - before.points) * 1440;
    console.log(
      `store growth: ${perMinute(after.points - before.points).toFixed(0)} raw points a minute, ${(rawPointsPerDay / 1e6).toFixed(2)} M a day (raw points live a day: this is the raw tier's steady size)`,
    );
  } finally {
    await server.stop();
  }

  // A steady state: every tier full, for the bench's containers and a host.
  const db = await openDatabase({ dataDir: scratchDir });
  await migrate(db);
  const environment = await new EnvironmentStore(db, new SecretBox(Buffer.alloc(32, 1))).create({
    name: 'bench',
    type: 'local-socket',
    address: dockerSocket,
    labels: {},
  });
  const metrics = new MetricStore(db);
  const series = [
    await metrics.seriesId({ environmentId: environment.id, container: '', stack: null, service: null }),
  ];
  for (let index = 0; index < CONTAINERS; index++)
    series.push(
      await metrics.seriesId({
        environmentId: environment.id,
        container: `bench-${index}`,
        stack: 'bench',
        service: `s${index % 10}`,
      }),
    );
  const now = Math.floor(Date.now() / 1000);
  const tiers: { tier: Tier; step: number; span: number }[] = [
    { tier: 0, step: INTERVAL_S, span: 86_400 },
    { tier: 1, step: 60, span: 7 * 86_400 },
    { tier: 2, step: 300, span: 30 * 86_400 },
  ];
  const fillStarted = performance.now();
  let rows = 0;
  for (const { tier, step, span } of tiers) {
    const first = now - span - ((now - span) % step);
    for (const seriesId of series) {
      const batch: { seriesId: number; point: MetricPoint }[] = [];
      for (let at = first; at < now; at += step) {
        const wave = Math.sin(at / 3600 + seriesId);
        batch.push({
          seriesId,
          point: {
            at,
            cpu: 5 + 4 * wave,
            memory: 20e6 + 5e6 * wave,
            memoryLimit: 25e9,
            rx: 1500 + 1000 * wave,
            tx: 800 + 500 * wave,
            ioRead: 0,
            ioWrite: 4096 * (1 + wave),
            disk: seriesId === series[0] ? 40e9 : null,
            diskTotal: seriesId === series[0] ? 100e9 : null,
            restarts: seriesId === series[0] ? null : 0,
          },
        });
      }
      await metrics.addPoints(batch, tier);
      rows += batch.length;
    }
  }
  await db.run('INSERT INTO metric_rollups (tier, done_until) VALUES (1, ?), (2, ?)', [
    now - (now % 60),
    now - (now % 300),
  ]);
  await db.run('PRAGMA wal_checkpoint(TRUNCATE)');
  const size = storeBytes(scratchDir);
  console.log(
    `30 days for ${CONTAINERS} containers and the host: ${(rows / 1e6).toFixed(2)} M points, store ${mb(size)} measured (${(size / rows).toFixed(1)} bytes a point; filled in ${((performance.now() - fillStarted) / 1000).toFixed(0)} s)`,
  );
  console.log(
    `store growth per day of collection: ${mb((rawPointsPerDay * size) / rows)} at that size a point`,
  );
  const reader = new MetricHistoryReader(metrics, new ScheduleStore(db), INTERVAL_S * 1000);
  for (const [what, container] of [
    ['one container', 'bench-7'],
    ['the host', ''],
  ] as const) {
    for (const range of ['30d', '7d', '24h'] as const) {
      let points = 0;
      const times = await timeRounds(20, async () => {
        points = (await reader.read(environment.id, container, range)).columns.at.length;
      });
      console.log(`${range} chart of ${what} (${points} points): ${summary(times)}`);
    }
  }
  await db.close();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(scratchDir, { recursive: true, force: true });
  if (!process.env.WINDFLOW_BENCH_KEEP) await removeBenchContainers(docker);
  docker.close();
}
