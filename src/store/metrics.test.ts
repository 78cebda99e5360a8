// Monitoring history on both databases: a store filled with synthetic rounds is rolled up into
// 1- and 5-minute averages that equal the mean of the rounds they stand for (gaps included),
// retention deletes each tier past its age, and chart buckets read across tiers.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../testing/databases.ts';
import { EnvironmentStore } from './environments.ts';
import { DEFAULT_RETENTION, type MetricPoint, MetricStore } from './metrics.ts';
import { migrate } from './migrate.ts';
import { SecretBox } from './secret-box.ts';

const box = new SecretBox(Buffer.alloc(32, 7));
/** A five-minute boundary, plus 30 s into the next minute. */
const T = 1_780_000_200;
const NOW = T + 30;

function point(at: number, cpu: number, memory: number): MetricPoint {
  return {
    at,
    cpu,
    memory,
    memoryLimit: 1_000_000,
    rx: cpu * 10,
    tx: 0,
    ioRead: 0,
    ioWrite: memory / 2,
    disk: null,
    diskTotal: null,
    restarts: 1,
  };
}

/** Rounds every 10 s over the last three hours; one minute in three lacks its last rounds. */
function syntheticRounds(): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (let at = T - 3 * 3600; at < NOW; at += 10) {
    const minute = Math.floor(at / 60);
    const second = at % 60;
    if (minute % 3 === 0 && second >= 30) continue;
    points.push(point(at, (minute % 7) + second / 10, 1000 * (1 + second / 10)));
  }
  return points;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe.each(DIALECTS)('%s', (dialect) => {
  let scratch: ScratchDatabase;
  let metrics: MetricStore;
  let environmentId: number;
  beforeEach(async () => {
    scratch = await scratchDatabase(dialect);
    await migrate(scratch.db);
    environmentId = (
      await new EnvironmentStore(scratch.db, box).create({
        name: 'local',
        type: 'local-socket',
        address: '/var/run/docker.sock',
        labels: {},
      })
    ).id;
    metrics = new MetricStore(scratch.db);
  });
  afterEach(() => scratch.drop());

  test('roll-ups are the mean of the rounds they cover, and retention deletes each tier by age', async () => {
    const web = await metrics.seriesId({ environmentId, container: 'web', stack: 'shop', service: 'web' });
    const rounds = syntheticRounds();
    const old = [
      { tier: 0 as const, at: NOW - 25 * 3600 },
      { tier: 1 as const, at: NOW - 8 * 86_400 - (NOW % 60) },
      { tier: 2 as const, at: NOW - 31 * 86_400 - (NOW % 300) },
    ];
    await metrics.addPoints(rounds.map((p) => ({ seriesId: web, point: p })));
    for (const { tier, at } of old)
      await metrics.addPoints([{ seriesId: web, point: point(at, 99, 99) }], tier);
    const gone = await metrics.seriesId({ environmentId, container: 'gone', stack: null, service: null });

    const outcome = await metrics.rollUp(DEFAULT_RETENTION, NOW);
    expect(outcome.rolledUp).toEqual([180, 36]);
    expect(outcome.deleted).toEqual([1, 1, 1]);
    expect(outcome.seriesDeleted).toBe(1);
    expect(await metrics.findSeries(environmentId, 'gone')).toBeUndefined();
    expect(gone).not.toBe(web);
    expect(await metrics.rolledUntil()).toEqual([T, T]);

    // 1-minute averages: each equals the mean of that minute's rounds.
    const minutes = await metrics.buckets(web, 1, T - 3 * 3600, T, 60);
    expect(minutes).toHaveLength(180);
    for (const minute of minutes) {
      const inside = rounds.filter((r) => r.at >= minute.at && r.at < minute.at + 60);
      expect(minute.cpu).toBeCloseTo(mean(inside.map((r) => r.cpu)), 4);
      expect(minute.memory).toBeCloseTo(mean(inside.map((r) => r.memory)), 0);
      expect(minute.restarts).toBe(1);
    }
    // 5-minute averages weigh every round, also where a minute had fewer of them.
    const fives = await metrics.buckets(web, 2, T - 3 * 3600, T, 300);
    expect(fives).toHaveLength(36);
    for (const five of fives) {
      const inside = rounds.filter((r) => r.at >= five.at && r.at < five.at + 300);
      expect(five.cpu).toBeCloseTo(mean(inside.map((r) => r.cpu)), 3);
      expect(five.rx).toBeCloseTo(mean(inside.map((r) => r.rx)), -1);
      expect(five.ioWrite).toBeCloseTo(mean(inside.map((r) => r.ioWrite)), -1);
    }
    // A chart over the last hour in 15-minute buckets reads tier 2, then the newest raw rounds.
    const chart = await metrics.buckets(web, 2, NOW - 3600, NOW, 900);
    const last = chart.at(-1) as MetricPoint;
    const lastRounds = rounds.filter((r) => r.at >= last.at);
    expect(last.cpu).toBeCloseTo(mean(lastRounds.map((r) => r.cpu)), 3);

    // A second roll-up finds nothing new.
    expect((await metrics.rollUp(DEFAULT_RETENTION, NOW)).rolledUp).toEqual([0, 0]);
  });

  test('a container renamed into a stack keeps one series and takes the new labels', async () => {
    const first = await metrics.seriesId({ environmentId, container: 'db', stack: null, service: null });
    const again = await new MetricStore(scratch.db).seriesId({
      environmentId,
      container: 'db',
      stack: 'shop',
      service: 'db',
    });
    expect(again).toBe(first);
    const row = await scratch.db.get<{ stack: string }>('SELECT stack FROM metric_series WHERE id = ?', [
      first,
    ]);
    expect(row?.stack).toBe('shop');
  });
});
