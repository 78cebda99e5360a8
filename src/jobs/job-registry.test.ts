// The job registry's bookkeeping on both databases: live following, the replay, failures,
// followers that leave, and what the store keeps: jobs and their replay survive a new registry
// (a restart), running ones end as interrupted, and progress is written in batches.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test';
import type { Database } from '../store/database.ts';
import { JobStore } from '../store/jobs.ts';
import { migrate } from '../store/migrate.ts';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../testing/databases.ts';
import { until } from '../testing/until.ts';
import { INTERRUPTED_BY_RESTART, type Job, type JobMessage, JobRegistry } from './job-registry.ts';

async function collect(messages: AsyncIterable<JobMessage>): Promise<JobMessage[]> {
  const all: JobMessage[] = [];
  for await (const message of messages) all.push(message);
  return all;
}

const eventData = (messages: JobMessage[]) =>
  messages.map((message) => (message.type === 'event' ? message.event.data : message.job.status));

/** The database, counting the transactions that write to it. */
function counting(db: Database): { db: Database; transactions: () => number } {
  let transactions = 0;
  return {
    db: {
      ...db,
      dialect: db.dialect,
      transaction(work) {
        transactions++;
        return db.transaction(work);
      },
    },
    transactions: () => transactions,
  };
}

describe.each(DIALECTS)('%s', (dialect) => {
  let scratch: ScratchDatabase;
  let store: JobStore;
  const registries: JobRegistry[] = [];
  const registry = (options: ConstructorParameters<typeof JobRegistry>[1] = {}, on = store) => {
    const jobs = new JobRegistry(on, { writeDelayMs: 20, ...options });
    registries.push(jobs);
    return jobs;
  };
  beforeEach(async () => {
    scratch = await scratchDatabase(dialect);
    await migrate(scratch.db);
    store = new JobStore(scratch.db);
  });
  afterEach(async () => {
    for (const jobs of registries.splice(0)) await jobs.close();
    await scratch.drop();
  });

  test('a follower gets every report live, then the end; a later one gets the replay', async () => {
    const jobs = registry();
    const { promise: release, resolve } = Promise.withResolvers<void>();
    const id = jobs.start('images:pull', 1, 'app:1', async (report) => {
      report({ layer: 'a', percent: 10 }, 'a');
      await release;
      report({ layer: 'a', percent: 100 }, 'a');
      report({ note: 'done' });
    });
    expect((await jobs.get(id))?.status).toBe('running');
    const live = collect(jobs.follow(id));
    await Bun.sleep(5);
    resolve();
    expect(eventData(await live)).toEqual([
      { layer: 'a', percent: 10 },
      { layer: 'a', percent: 100 },
      { note: 'done' },
      'succeeded',
    ]);
    const replay = await collect(jobs.follow(id));
    // A keyed report replaces its earlier one in the replay.
    expect(replay.filter((message) => message.type === 'event').map((message) => message.event.seq)).toEqual([
      2, 3,
    ]);
    expect(replay.at(-1)).toMatchObject({ type: 'end', job: { status: 'succeeded' } });
  });

  test('a failed job ends with its reason', async () => {
    const jobs = registry();
    const id = jobs.start('images:push', 1, 'app:1', async () => {
      throw new Error('denied: requested access to the resource is denied');
    });
    const messages = await collect(jobs.follow(id));
    expect(messages.at(-1)).toMatchObject({
      type: 'end',
      job: { status: 'failed', error: expect.stringContaining('denied') },
    });
  });

  test('a follower that goes away stops following; the job runs on', async () => {
    const jobs = registry();
    const { promise: release, resolve } = Promise.withResolvers<void>();
    const id = jobs.start('images:pull', 1, 'app:1', () => release);
    const leaving = new AbortController();
    const following = collect(jobs.follow(id, 0, leaving.signal));
    await Bun.sleep(5);
    leaving.abort();
    expect(await following).toEqual([]);
    expect((await jobs.get(id))?.status).toBe('running');
    resolve();
    await Bun.sleep(50);
    expect((await jobs.get(id))?.status).toBe('succeeded');
  });

  test('only the newest finished jobs are kept', async () => {
    const jobs = registry({ maxFinished: 2 });
    const ids: string[] = [];
    for (const target of ['a', 'b', 'c']) {
      ids.push(jobs.start('images:pull', 1, target, async () => {}));
      await collect(jobs.follow(ids.at(-1) as string));
      await Bun.sleep(20);
    }
    const kept = async () => (await jobs.list()).map((job) => job.target).join();
    await until(async () => (await kept()) === 'c,b', 10_000, 'the oldest finished job to be dropped');
    expect(await jobs.get(ids[0] as string)).toBeUndefined();
  });

  test('jobs and their replay outlive the registry; running ones end as interrupted, once', async () => {
    const ended: Job[] = [];
    const first = registry({ onEnd: (job) => void ended.push(job) });
    const done = first.start(
      'images:pull',
      1,
      'done:1',
      async (report) => {
        for (let percent = 0; percent <= 100; percent += 10) report({ layer: 'x', percent }, 'x');
        report({ status: 'Downloaded newer image' });
      },
      { userId: 1, username: 'admin' },
    );
    const { promise: never } = Promise.withResolvers<void>();
    const stuck = first.start('images:pull', 2, 'stuck:1', async (report) => {
      report({ layer: 'y', percent: 40 }, 'y');
      report({ status: 'Downloading' });
      await never;
    });
    await collect(first.follow(done));
    // The stuck job's reports are written, as a process killed now would leave them.
    await until(async () => (await store.events(stuck)).length === 2, 10_000, 'the stuck job’s reports');
    expect(ended.map((job) => job.status)).toEqual(['succeeded']);
    // A process killed now never ends `stuck`: a new registry on the same store takes over.
    const second = registry({ onEnd: (job) => void ended.push(job) });
    const recovered = await second.recover();
    expect(recovered.map((job) => [job.id, job.status, job.error])).toEqual([
      [stuck, 'interrupted', INTERRUPTED_BY_RESTART],
    ]);
    expect(ended.map((job) => job.status)).toEqual(['succeeded', 'interrupted']);
    expect(await second.recover()).toEqual([]);

    expect(await second.get(done)).toMatchObject({
      status: 'succeeded',
      environmentId: 1,
      startedBy: { userId: 1, username: 'admin' },
      finishedAt: expect.any(String),
    });
    expect(eventData(await collect(second.follow(done)))).toEqual([
      { layer: 'x', percent: 100 },
      { status: 'Downloaded newer image' },
      'succeeded',
    ]);
    expect(eventData(await collect(second.follow(stuck)))).toEqual([
      { layer: 'y', percent: 40 },
      { status: 'Downloading' },
      'interrupted',
    ]);
    expect((await second.events(done, 11)).map((event) => event.seq)).toEqual([12]);
    expect((await second.list({ environmentId: 2 })).map((job) => job.id)).toEqual([stuck]);
  });

  test('closing interrupts the running jobs, aborts their work and writes why', async () => {
    const jobs = registry();
    let aborted = false;
    const id = jobs.start('images:pull', 1, 'slow:1', (_report, signal) => {
      return new Promise((_, reject) =>
        signal.addEventListener('abort', () => {
          aborted = true;
          reject(signal.reason);
        }),
      );
    });
    await Bun.sleep(5);
    await jobs.close();
    expect(aborted).toBe(true);
    expect(await store.get(id)).toMatchObject({
      status: 'interrupted',
      error: expect.stringContaining('shut down'),
    });
  });

  test('progress is written in batches, superseded and old reports never reach the store', async () => {
    const { db, transactions } = counting(scratch.db);
    const jobs = registry({ maxEvents: 5, writeDelayMs: 50 }, new JobStore(db));
    const id = jobs.start('images:pull', 1, 'big:1', async (report) => {
      for (let tick = 1; tick <= 2_000; tick++) report({ layer: tick % 4, tick }, `layer-${tick % 4}`);
      for (let note = 1; note <= 20; note++) {
        report({ note });
        if (note % 5 === 0) await Bun.sleep(60);
      }
    });
    await collect(jobs.follow(id));
    await Bun.sleep(20);
    // The job's row, a few batches of reports, its end: far from one write per report.
    expect(transactions()).toBeLessThan(12);
    expect((await store.events(id)).map((event) => event.data)).toEqual(
      [16, 17, 18, 19, 20].map((note) => ({ note })),
    );
  });
});
