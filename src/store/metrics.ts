// Monitoring history in three tiers: every collection round (tier 0), 1-minute averages (tier 1)
// and 5-minute averages (tier 2), each kept as long as its retention says. Averages carry how
// many rounds they stand for, so a 5-minute average made of 1-minute ones, or a chart bucket made
// of both, weighs every round equally even where rounds were missed.
import type { Database } from './database.ts';

export const TIER_SECONDS = [0, 60, 300] as const;
export type Tier = 0 | 1 | 2;

export interface Retention {
  /** Raw points (every round). */
  rawHours: number;
  minuteDays: number;
  fiveMinuteDays: number;
}

export const DEFAULT_RETENTION: Retention = { rawHours: 24, minuteDays: 7, fiveMinuteDays: 30 };

/** One series at one time: rates are per second, memory and disk in bytes. */
export interface MetricPoint {
  /** Unix seconds. */
  at: number;
  cpu: number;
  memory: number;
  memoryLimit: number;
  rx: number;
  tx: number;
  ioRead: number;
  ioWrite: number;
  disk: number | null;
  diskTotal: number | null;
  restarts: number | null;
}

export interface SeriesKey {
  environmentId: number;
  /** '' for the environment's host. */
  container: string;
  stack: string | null;
  service: string | null;
}

export interface RollupOutcome {
  /** Points written per tier (1 and 2). */
  rolledUp: [number, number];
  /** Points deleted per tier (0, 1, 2). */
  deleted: [number, number, number];
  seriesDeleted: number;
}

const VALUE_COLUMNS = 'cpu, memory, memory_limit, rx, tx, io_read, io_write, disk, disk_total, restarts';
const INSERT_BATCH = 500;

interface BucketRow {
  bucket: number | string;
  samples: number | string;
  cpu: number | string;
  memory: number | string;
  memory_limit: number | string;
  rx: number | string;
  tx: number | string;
  io_read: number | string;
  io_write: number | string;
  disk: number | string | null;
  disk_total: number | string | null;
  restarts: number | string | null;
}

export class MetricStore {
  /** "environment/container" → series id, so a round does not ask the store for each one. */
  private readonly seriesIds = new Map<
    string,
    { id: number; stack: string | null; service: string | null }
  >();

  constructor(private readonly db: Database) {}

  /** The series' id, created on first use; its stack and service follow the container's labels. */
  async seriesId(key: SeriesKey): Promise<number> {
    const cacheKey = `${key.environmentId}/${key.container}`;
    const cached = this.seriesIds.get(cacheKey);
    if (cached && cached.stack === key.stack && cached.service === key.service) return cached.id;
    const row = await this.db.get<{ id: number }>(
      `INSERT INTO metric_series (environment_id, container, stack, service) VALUES (?, ?, ?, ?)
       ON CONFLICT (environment_id, container) DO UPDATE SET stack = excluded.stack, service = excluded.service
       RETURNING id`,
      [key.environmentId, key.container, key.stack, key.service],
    );
    const id = Number(row?.id);
    this.seriesIds.set(cacheKey, { id, stack: key.stack, service: key.service });
    return id;
  }

  /** The series of a container (or the host, ''), if it was ever collected. */
  async findSeries(environmentId: number, container: string): Promise<number | undefined> {
    const row = await this.db.get<{ id: number }>(
      'SELECT id FROM metric_series WHERE environment_id = ? AND container = ?',
      [environmentId, container],
    );
    return row ? Number(row.id) : undefined;
  }

  /** Points of one round (tier 0, or another tier for synthetic history in tests and benches). */
  async addPoints(points: { seriesId: number; point: MetricPoint }[], tier: Tier = 0): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (let start = 0; start < points.length; start += INSERT_BATCH) {
        const batch = points.slice(start, start + INSERT_BATCH);
        const params: unknown[] = [];
        for (const { seriesId, point } of batch) {
          params.push(
            seriesId,
            tier,
            point.at,
            1,
            point.cpu,
            Math.round(point.memory),
            Math.round(point.memoryLimit),
            Math.round(point.rx),
            Math.round(point.tx),
            Math.round(point.ioRead),
            Math.round(point.ioWrite),
            point.disk === null ? null : Math.round(point.disk),
            point.diskTotal === null ? null : Math.round(point.diskTotal),
            point.restarts,
          );
        }
        const rows = batch.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
        await tx.run(
          `INSERT INTO metric_points (series_id, tier, at, samples, ${VALUE_COLUMNS}) VALUES ${rows}
           ON CONFLICT (series_id, tier, at) DO NOTHING`,
          params,
        );
      }
    });
  }

  /** How far each rolled-up tier is complete (unix seconds; 0 before the first roll-up). */
  async rolledUntil(): Promise<[number, number]> {
    const rows = await this.db.all<{ tier: number; done_until: number | string }>(
      'SELECT tier, done_until FROM metric_rollups',
    );
    const of = (tier: number) => Number(rows.find((row) => Number(row.tier) === tier)?.done_until ?? 0);
    return [of(1), of(2)];
  }

  /**
   * Averages the finished minutes of tier 0 into tier 1 and the finished five minutes of tier 1
   * into tier 2, then deletes what is past each tier's retention and the series left empty.
   */
  async rollUp(retention: Retention, nowSeconds = Math.floor(Date.now() / 1000)): Promise<RollupOutcome> {
    const keep = [
      retention.rawHours * 3600,
      retention.minuteDays * 86_400,
      retention.fiveMinuteDays * 86_400,
    ] as const;
    const outcome: RollupOutcome = { rolledUp: [0, 0], deleted: [0, 0, 0], seriesDeleted: 0 };
    await this.db.transaction(async (tx) => {
      const [done1, done2] = await new MetricStore(tx).rolledUntil();
      const minuteEnd = nowSeconds - (nowSeconds % 60);
      outcome.rolledUp[0] = await rollTier(tx, 1, Math.max(done1, minuteEnd - keep[0]), minuteEnd);
      const fiveEnd = minuteEnd - (minuteEnd % 300);
      outcome.rolledUp[1] = await rollTier(tx, 2, Math.max(done2, fiveEnd - keep[1]), fiveEnd);
      for (const tier of [0, 1, 2] as const) {
        const { changes } = await tx.run(
          'DELETE FROM metric_points WHERE series_id IN (SELECT id FROM metric_series) AND tier = ? AND at < ?',
          [tier, nowSeconds - keep[tier]],
        );
        outcome.deleted[tier] = changes;
      }
      outcome.seriesDeleted = (
        await tx.run(
          'DELETE FROM metric_series WHERE NOT EXISTS (SELECT 1 FROM metric_points WHERE series_id = metric_series.id)',
        )
      ).changes;
    });
    if (outcome.seriesDeleted > 0) this.seriesIds.clear();
    return outcome;
  }

  /**
   * One series between two times in buckets of `stepSeconds`: `tier` where it is rolled up, the
   * finer tiers after that, so the newest minutes are there before their roll-up.
   */
  async buckets(
    seriesId: number,
    tier: Tier,
    fromSeconds: number,
    toSeconds: number,
    stepSeconds: number,
  ): Promise<MetricPoint[]> {
    const [done1, done2] = await this.rolledUntil();
    // Each tier covers [from, to): tier 2 up to its roll-up, tier 1 from there to its own, tier 0 after.
    const spans: [Tier, number, number][] =
      tier === 0
        ? [[0, fromSeconds, toSeconds]]
        : tier === 1
          ? [
              [1, fromSeconds, Math.min(done1, toSeconds)],
              [0, Math.max(done1, fromSeconds), toSeconds],
            ]
          : [
              [2, fromSeconds, Math.min(done2, toSeconds)],
              [1, Math.max(done2, fromSeconds), Math.min(done1, toSeconds)],
              [0, Math.max(done1, done2, fromSeconds), toSeconds],
            ];
    // Inlined (a whole number) so that the grouped and selected expressions are the same text.
    const step = integer(stepSeconds);
    const merged = new Map<number, Sums>();
    for (const [spanTier, from, to] of spans) {
      if (from >= to) continue;
      const rows = await this.db.all<BucketRow>(
        `SELECT at - at % ${step} AS bucket, SUM(samples) AS samples, SUM(cpu * samples) AS cpu,
           SUM(memory * samples) AS memory, SUM(memory_limit * samples) AS memory_limit,
           SUM(rx * samples) AS rx, SUM(tx * samples) AS tx, SUM(io_read * samples) AS io_read,
           SUM(io_write * samples) AS io_write, SUM(disk * samples) AS disk,
           SUM(disk_total * samples) AS disk_total, MAX(restarts) AS restarts
         FROM metric_points WHERE series_id = ? AND tier = ? AND at >= ? AND at < ?
         GROUP BY at - at % ${step} ORDER BY bucket`,
        [seriesId, spanTier, from, to],
      );
      for (const row of rows) addSums(merged, row);
    }
    return [...merged.entries()].sort(([a], [b]) => a - b).map(([at, sums]) => averageOf(at, sums));
  }
}

interface Sums {
  samples: number;
  values: number[];
  disk: number | null;
  diskTotal: number | null;
  restarts: number | null;
}

const SUMMED = ['cpu', 'memory', 'memory_limit', 'rx', 'tx', 'io_read', 'io_write'] as const;

function addSums(merged: Map<number, Sums>, row: BucketRow): void {
  const at = Number(row.bucket);
  const sums = merged.get(at) ?? {
    samples: 0,
    values: SUMMED.map(() => 0),
    disk: null,
    diskTotal: null,
    restarts: null,
  };
  sums.samples += Number(row.samples);
  SUMMED.forEach((column, index) => {
    sums.values[index] = (sums.values[index] ?? 0) + Number(row[column]);
  });
  const plus = (total: number | null, value: number | string | null) =>
    value === null ? total : (total ?? 0) + Number(value);
  sums.disk = plus(sums.disk, row.disk);
  sums.diskTotal = plus(sums.diskTotal, row.disk_total);
  if (row.restarts !== null) sums.restarts = Math.max(sums.restarts ?? 0, Number(row.restarts));
  merged.set(at, sums);
}

function averageOf(at: number, sums: Sums): MetricPoint {
  const mean = (total: number) => total / sums.samples;
  const [cpu = 0, memory = 0, memoryLimit = 0, rx = 0, tx = 0, ioRead = 0, ioWrite = 0] =
    sums.values.map(mean);
  return {
    at,
    cpu,
    memory,
    memoryLimit,
    rx,
    tx,
    ioRead,
    ioWrite,
    disk: sums.disk === null ? null : mean(sums.disk),
    diskTotal: sums.diskTotal === null ? null : mean(sums.diskTotal),
    restarts: sums.restarts,
  };
}

/** Averages tier `tier - 1` into `tier` over [from, to) and moves the tier's mark to `to`. */
async function rollTier(tx: Database, tier: 1 | 2, from: number, to: number): Promise<number> {
  if (from >= to) return 0;
  const size = TIER_SECONDS[tier];
  const weighted = (column: string) => `ROUND(SUM(${column} * samples) * 1.0 / SUM(samples))`;
  const { changes } = await tx.run(
    `INSERT INTO metric_points (series_id, tier, at, samples, ${VALUE_COLUMNS})
     SELECT series_id, ${tier}, at - at % ${size}, SUM(samples), SUM(cpu * samples) / SUM(samples),
       ${['memory', 'memory_limit', 'rx', 'tx', 'io_read', 'io_write', 'disk', 'disk_total'].map(weighted).join(', ')},
       MAX(restarts)
     FROM metric_points
     WHERE series_id IN (SELECT id FROM metric_series) AND tier = ? AND at >= ? AND at < ?
     GROUP BY series_id, at - at % ${size}
     ON CONFLICT (series_id, tier, at) DO NOTHING`,
    [tier - 1, from, to],
  );
  await tx.run(
    `INSERT INTO metric_rollups (tier, done_until) VALUES (?, ?)
     ON CONFLICT (tier) DO UPDATE SET done_until = excluded.done_until`,
    [tier, to],
  );
  return changes;
}

function integer(value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`not a positive whole number: ${value}`);
  return value;
}
