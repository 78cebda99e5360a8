// The job registry's bookkeeping: live following, the replay, failures, followers that leave.
import { expect, test } from 'bun:test';
import { type JobMessage, JobRegistry } from './job-registry.ts';

async function collect(messages: AsyncIterable<JobMessage>): Promise<JobMessage[]> {
  const all: JobMessage[] = [];
  for await (const message of messages) all.push(message);
  return all;
}

test('a follower gets every report live, then the end; a later one gets the replay', async () => {
  const jobs = new JobRegistry();
  const { promise: release, resolve } = Promise.withResolvers<void>();
  const id = jobs.start('images:pull', 1, 'app:1', async (report) => {
    report({ layer: 'a', percent: 10 }, 'a');
    await release;
    report({ layer: 'a', percent: 100 }, 'a');
    report({ note: 'done' });
  });
  expect(jobs.get(id)?.status).toBe('running');
  const live = collect(jobs.follow(id));
  await Bun.sleep(5);
  resolve();
  const messages = await live;
  expect(
    messages.map((message) => (message.type === 'event' ? message.event.data : message.job.status)),
  ).toEqual([{ layer: 'a', percent: 10 }, { layer: 'a', percent: 100 }, { note: 'done' }, 'succeeded']);
  const replay = await collect(jobs.follow(id));
  // A keyed report replaces its earlier one in the replay.
  expect(replay.filter((message) => message.type === 'event').map((message) => message.event.seq)).toEqual([
    2, 3,
  ]);
  expect(replay.at(-1)).toMatchObject({ type: 'end', job: { status: 'succeeded' } });
  jobs.close();
});

test('a failed job ends with its reason', async () => {
  const jobs = new JobRegistry();
  const id = jobs.start('images:push', 1, 'app:1', async () => {
    throw new Error('denied: requested access to the resource is denied');
  });
  const messages = await collect(jobs.follow(id));
  expect(messages.at(-1)).toMatchObject({
    type: 'end',
    job: { status: 'failed', error: expect.stringContaining('denied') },
  });
  jobs.close();
});

test('a follower that goes away stops following; the job runs on', async () => {
  const jobs = new JobRegistry();
  const { promise: release, resolve } = Promise.withResolvers<void>();
  const id = jobs.start('images:pull', 1, 'app:1', () => release);
  const leaving = new AbortController();
  const following = collect(jobs.follow(id, 0, leaving.signal));
  await Bun.sleep(5);
  leaving.abort();
  expect(await following).toEqual([]);
  expect(jobs.get(id)?.status).toBe('running');
  resolve();
  await Bun.sleep(5);
  expect(jobs.get(id)?.status).toBe('succeeded');
  jobs.close();
});

test('only the newest finished jobs are kept', async () => {
  const jobs = new JobRegistry({ maxFinished: 2 });
  const ids = ['a', 'b', 'c'].map((target) => jobs.start('images:pull', 1, target, async () => {}));
  await Bun.sleep(5);
  expect(jobs.list().map((job) => job.target)).toEqual(['c', 'b']);
  expect(jobs.get(ids[0] as string)).toBeUndefined();
  jobs.close();
});
