// Chart queries: a range (15 minutes to 30 days) read from the tier that has it at a useful
// resolution, in at most MAX_POINTS buckets, as columns (what uPlot draws from directly).

import type { MetricColumns, MetricHistory, RangeName } from '../docker/views.ts';
import {
  type MetricPoint,
  type MetricStore,
  type Retention,
  TIER_SECONDS,
  type Tier,
} from '../store/metrics.ts';
import type { ScheduleStore } from '../store/schedules.ts';
import { DEFAULT_HISTORY, HISTORY_KIND, parseHistoryOptions } from './history-schedule.ts';

export const RANGES: Record<RangeName, number> = {
  '15m': 900,
  '1h': 3600,
  '6h': 21_600,
  '24h': 86_400,
  '7d': 604_800,
  '30d': 2_592_000,
};
export const RANGE_NAMES = Object.keys(RANGES) as RangeName[];

/** Enough for a chart as wide as a screen; more only costs the store and the wire. */
export const MAX_POINTS = 1500;

/** The coarsest tier needed: the finest one that keeps the whole range in at most MAX_POINTS. */
export function resolutionFor(
  rangeSeconds: number,
  intervalSeconds: number,
  retention: Retention,
): { tier: Tier; stepSeconds: number } {
  const tiers: { tier: Tier; size: number; keep: number }[] = [
    { tier: 0, size: Math.max(1, Math.round(intervalSeconds)), keep: retention.rawHours * 3600 },
    { tier: 1, size: TIER_SECONDS[1], keep: retention.minuteDays * 86_400 },
    { tier: 2, size: TIER_SECONDS[2], keep: retention.fiveMinuteDays * 86_400 },
  ];
  const fits = tiers.find(({ size, keep }) => keep >= rangeSeconds && rangeSeconds / size <= MAX_POINTS);
  const { tier, size } = fits ?? { tier: 2, size: TIER_SECONDS[2] };
  return { tier, stepSeconds: Math.ceil(rangeSeconds / MAX_POINTS / size) * size };
}

export class MetricHistoryReader {
  constructor(
    private readonly metrics: MetricStore,
    private readonly schedules: ScheduleStore,
    private readonly intervalMs: number,
  ) {}

  /** A container's history ('' for the host); empty columns when it was never collected. */
  async read(
    environmentId: number,
    container: string,
    range: RangeName,
    nowSeconds = Math.floor(Date.now() / 1000),
  ): Promise<MetricHistory> {
    const rangeSeconds = RANGES[range];
    const { tier, stepSeconds } = resolutionFor(rangeSeconds, this.intervalMs / 1000, await this.retention());
    const from = nowSeconds - rangeSeconds;
    const seriesId = await this.metrics.findSeries(environmentId, container);
    const points =
      seriesId === undefined
        ? []
        : await this.metrics.buckets(seriesId, tier, from, nowSeconds + 1, stepSeconds);
    return { range, stepSeconds, from, to: nowSeconds, columns: columnsOf(points) };
  }

  private async retention(): Promise<Retention> {
    const schedule = (await this.schedules.list()).find((candidate) => candidate.kind === HISTORY_KIND);
    try {
      return schedule ? parseHistoryOptions(schedule.options) : DEFAULT_HISTORY;
    } catch {
      return DEFAULT_HISTORY;
    }
  }
}

function columnsOf(points: MetricPoint[]): MetricColumns {
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    at: points.map((p) => p.at),
    cpu: points.map((p) => round(p.cpu)),
    memory: points.map((p) => Math.round(p.memory)),
    memoryLimit: points.map((p) => Math.round(p.memoryLimit)),
    rx: points.map((p) => Math.round(p.rx)),
    tx: points.map((p) => Math.round(p.tx)),
    ioRead: points.map((p) => Math.round(p.ioRead)),
    ioWrite: points.map((p) => Math.round(p.ioWrite)),
    disk: points.map((p) => (p.disk === null ? null : Math.round(p.disk))),
    diskTotal: points.map((p) => (p.diskTotal === null ? null : Math.round(p.diskTotal))),
    restarts: points.map((p) => p.restarts),
  };
}
