// The schedule kind that keeps monitoring history bounded: "monitoring-history" averages the
// finished minutes and five-minute spans into their tiers and deletes what is past each tier's
// retention (and Engine events past theirs). One such schedule exists from the first start
// (every 5 minutes); its options are the retention, changed like any schedule's.
import { ScheduleInputError, type ScheduleKind, type Scheduler } from '../scheduler/scheduler.ts';
import { DEFAULT_RETENTION, type MetricStore, type Retention } from '../store/metrics.ts';

export const HISTORY_KIND = 'monitoring-history';

export interface HistoryOptions extends Retention {
  eventDays: number;
}

const LIMITS: Record<keyof HistoryOptions, [number, number]> = {
  rawHours: [1, 168],
  minuteDays: [1, 90],
  fiveMinuteDays: [1, 400],
  eventDays: [1, 400],
};

export const DEFAULT_HISTORY: HistoryOptions = { ...DEFAULT_RETENTION, eventDays: 30 };

export function parseHistoryOptions(options: Record<string, unknown>): HistoryOptions {
  const unknown = Object.keys(options).filter((key) => !(key in LIMITS));
  if (unknown.length > 0)
    throw new ScheduleInputError('INVALID_OPTIONS', `unknown options: ${unknown.join(', ')}`);
  const parsed = { ...DEFAULT_HISTORY };
  for (const [key, [min, max]] of Object.entries(LIMITS) as [keyof HistoryOptions, [number, number]][]) {
    const value = options[key] ?? parsed[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      throw new ScheduleInputError('INVALID_OPTIONS', `${key} is a whole number from ${min} to ${max}`);
    parsed[key] = value;
  }
  if (parsed.rawHours > parsed.minuteDays * 24 || parsed.minuteDays > parsed.fiveMinuteDays)
    throw new ScheduleInputError(
      'INVALID_OPTIONS',
      'each tier must be kept at least as long as the finer one (rawHours ≤ minuteDays × 24, minuteDays ≤ fiveMinuteDays)',
    );
  return parsed;
}

/** Other history this schedule expires (Engine events), by age in days. */
export type HistoryPurge = (olderThanDays: number) => Promise<number>;

export function monitoringHistoryKind(metrics: MetricStore, purges: HistoryPurge[] = []): ScheduleKind {
  return {
    kind: HISTORY_KIND,
    label: 'Roll up and expire monitoring history',
    permission: 'settings:manage',
    environment: 'none',
    parseOptions: (options) => ({ ...parseHistoryOptions(options) }),
    async run({ schedule }) {
      const options = parseHistoryOptions(schedule.options);
      const outcome = await metrics.rollUp(options);
      let events = 0;
      for (const purge of purges) events += await purge(options.eventDays);
      const deleted = outcome.deleted.reduce((a, b) => a + b, 0);
      return `rolled up ${outcome.rolledUp[0]} minute and ${outcome.rolledUp[1]} five-minute points; deleted ${deleted} expired points, ${outcome.seriesDeleted} empty series and ${events} old events`;
    },
  };
}

/** The schedule exists once: made on the first start, kept (and left as edited) afterwards. */
export async function ensureHistorySchedule(
  scheduler: Scheduler,
  existing: { kind: string }[],
): Promise<void> {
  if (existing.some((schedule) => schedule.kind === HISTORY_KIND)) return;
  await scheduler.create({
    kind: HISTORY_KIND,
    name: 'Monitoring history',
    cron: '*/5 * * * *',
    timezone: 'UTC',
    options: { ...DEFAULT_HISTORY },
  });
}
