// The scheduler on a real store (SQLite and PostgreSQL): real croner ticks, a restart that keeps
// schedules, a run missed while down made up once, runs of one schedule that never overlap (in
// one process or two sharing the store), a stop mid-run, time zones, and bad input.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import { createLogger } from '../daemon/logger.ts';
import { migrate } from '../store/migrate.ts';
import { ScheduleStore } from '../store/schedules.ts';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../testing/databases.ts';
import { until } from '../testing/until.ts';
import { ScheduleInputError, type ScheduleKind, Scheduler } from './scheduler.ts';

const logger = createLogger('error', () => {});

/** A kind that counts its runs, the most at once, and can be held open. */
function countingKind() {
  const state = { runs: 0, active: 0, mostAtOnce: 0, hold: undefined as Promise<void> | undefined };
  const kind: ScheduleKind = {
    kind: 'count',
    label: 'Count',
    permission: 'system:read',
    environment: 'none',
    parseOptions: (options) => options,
    async run({ signal }) {
      state.runs++;
      state.active++;
      state.mostAtOnce = Math.max(state.mostAtOnce, state.active);
      try {
        if (state.hold) {
          await Promise.race([
            state.hold,
            new Promise((_, reject) =>
              signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
            ),
          ]);
        }
        return `run ${state.runs}`;
      } finally {
        state.active--;
      }
    },
  };
  return { kind, state };
}

describe.each(DIALECTS)('%s', (dialect) => {
  let scratch: ScratchDatabase;
  let store: ScheduleStore;
  const schedulers: Scheduler[] = [];
  const newScheduler = (kind: ScheduleKind) => {
    const scheduler = new Scheduler(store, logger);
    scheduler.register(kind);
    schedulers.push(scheduler);
    return scheduler;
  };
  beforeEach(async () => {
    scratch = await scratchDatabase(dialect);
    await migrate(scratch.db);
    store = new ScheduleStore(scratch.db);
  });
  afterEach(async () => {
    for (const scheduler of schedulers.splice(0)) await scheduler.stop();
    await scratch.drop();
  });

  test('a schedule runs on its ticks and survives a restart with its last and next run', async () => {
    const first = countingKind();
    const before = newScheduler(first.kind);
    await before.start();
    const schedule = await before.create({ kind: 'count', name: 'every second', cron: '* * * * * *' });
    await until(async () => (await store.get(schedule.id))?.lastStatus === 'succeeded');
    await before.stop();
    const kept = await store.get(schedule.id);
    expect(kept?.lastSummary).toMatch(/^run \d+$/);
    expect(kept?.nextRunAt).not.toBeNull();

    const second = countingKind();
    const after = newScheduler(second.kind);
    await after.start();
    await until(() => second.state.runs >= 2);
    expect((await store.list()).map((each) => each.name)).toEqual(['every second']);
  });

  test('a run missed while Windflow was down is made up once at start, not once per tick', async () => {
    const { kind, state } = countingKind();
    const setup = newScheduler(kind);
    const schedule = await setup.create({
      kind: 'count',
      name: 'hourly',
      cron: '0 * * * *',
      timezone: 'UTC',
    });
    // Down for five hours: five ticks were missed.
    await scratch.db.run('UPDATE schedules SET next_run_at = ? WHERE id = ?', [
      new Date(Date.now() - 5 * 3_600_000).toISOString(),
      schedule.id,
    ]);
    const restarted = newScheduler(kind);
    await restarted.start();
    await restarted.whenIdle(schedule.id);
    await Bun.sleep(300);
    expect(state.runs).toBe(1);
    const after = await store.get(schedule.id);
    expect(after?.lastStatus).toBe('succeeded');
    expect(Date.parse(after?.nextRunAt ?? '')).toBeGreaterThan(Date.now());
  });

  test('two runs of one schedule never overlap, within a process or across two sharing the store', async () => {
    const { kind, state } = countingKind();
    let release = () => {};
    state.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const one = newScheduler(kind);
    await one.start();
    const schedule = await one.create({ kind: 'count', name: 'slow', cron: '* * * * * *' });
    await until(() => state.runs === 1);
    // Ticks keep coming every second while the first run is held open.
    await Bun.sleep(2_200);
    expect(await one.runNow(schedule.id)).toBe('busy');
    const other = newScheduler(kind);
    expect(await other.runNow(schedule.id)).toBe('busy');
    expect(state.runs).toBe(1);
    expect((await store.get(schedule.id))?.runningSince).not.toBeNull();
    // No more ticks from here: one arriving just after the release would claim a new run before
    // the store is read below.
    await one.update(schedule.id, { enabled: false });
    release();
    await one.whenIdle(schedule.id);
    expect(state.mostAtOnce).toBe(1);
    expect((await store.get(schedule.id))?.runningSince).toBeNull();
  });

  test('a run cut short by a stop is recorded as interrupted and made up at the next start', async () => {
    const { kind, state } = countingKind();
    state.hold = new Promise(() => {});
    const scheduler = newScheduler(kind);
    const schedule = await scheduler.create({ kind: 'count', name: 'daily', cron: '0 4 * * *' });
    expect(await scheduler.runNow(schedule.id)).toBe('started');
    await until(() => state.runs === 1);
    await scheduler.stop();
    expect((await store.get(schedule.id))?.lastStatus).toBe('interrupted');

    // A crash leaves the claim behind; the next start releases it and runs once.
    await store.claim(schedule.id, new Date().toISOString());
    state.hold = undefined;
    const restarted = newScheduler(kind);
    await restarted.start();
    await restarted.whenIdle(schedule.id);
    expect(state.runs).toBe(2);
    expect((await store.get(schedule.id))?.lastStatus).toBe('succeeded');
  });

  test('the expression is read in the schedule’s time zone; edits re-arm it', async () => {
    const { kind } = countingKind();
    const scheduler = newScheduler(kind);
    await scheduler.start();
    const tokyo = await scheduler.create({
      kind: 'count',
      name: 'tokyo 9',
      cron: '0 9 * * *',
      timezone: 'Asia/Tokyo',
    });
    expect(new Date(tokyo.nextRunAt ?? '').getUTCHours()).toBe(0);
    const paris = await scheduler.update(tokyo.id, { timezone: 'UTC', cron: '30 6 * * *' });
    expect(new Date(paris?.nextRunAt ?? '').getUTCHours()).toBe(6);
    expect(new Date(paris?.nextRunAt ?? '').getUTCMinutes()).toBe(30);
    const disabled = await scheduler.update(tokyo.id, { enabled: false });
    expect(disabled?.nextRunAt).toBeNull();
  });

  test('bad input: an invalid cron, an unknown time zone or kind', async () => {
    const { kind } = countingKind();
    const scheduler = newScheduler(kind);
    const refusal = async (input: Parameters<Scheduler['create']>[0]) => {
      try {
        await scheduler.create(input);
      } catch (error) {
        expect(error).toBeInstanceOf(ScheduleInputError);
        return (error as ScheduleInputError).code;
      }
      throw new Error('accepted');
    };
    expect(await refusal({ kind: 'count', name: 'x', cron: '61 * * * *' })).toBe('INVALID_CRON');
    expect(await refusal({ kind: 'count', name: 'x', cron: 'every day' })).toBe('INVALID_CRON');
    expect(await refusal({ kind: 'count', name: 'x', cron: '0 4 * * *', timezone: 'Mars/Olympus' })).toBe(
      'INVALID_TIMEZONE',
    );
    expect(await refusal({ kind: 'nope', name: 'x', cron: '0 4 * * *' })).toBe('UNKNOWN_SCHEDULE_KIND');
    expect(await store.list()).toEqual([]);
  });
});
