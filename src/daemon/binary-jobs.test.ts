// The built binary killed in the middle of a pull (SIGKILL, as a crash or an OOM kill would):
// after a restart the job still answers, as interrupted with the reason, its progress can be
// replayed, and the audit log holds how it ended, not only that it started.
import { afterAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient } from '../docker/client.ts';
import { startBinary } from '../testing/binary.ts';
import { readServerSentEvents } from '../testing/server-sent-events.ts';
import { ApiSession, TEST_ADMIN_CREDENTIALS } from '../testing/session.ts';
import { pushUniqueImage, startStallingRegistry } from '../testing/stalling-registry.ts';
import { testbed } from '../testing/testbed.ts';

const bed = testbed();
const dataDir = mkdtempSync(join(tmpdir(), 'windflow-jobs-restart-'));
const registry = startStallingRegistry(bed.registry.address);
const docker = new DockerClient({ kind: 'unix', socketPath: bed.dockerSocket });
const repository = `windflow-test/interrupted-${process.pid}-${Date.now().toString(36)}`;
afterAll(async () => {
  registry.stop();
  await docker.removeImage(`${registry.address}/${repository}:latest`, { force: true }).catch(() => {});
  docker.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('a pull killed with the process answers after a restart as interrupted, with its events and its outcome audited', async () => {
  let jobId = '';
  let base = '';
  let reference = '';
  let downloading: { data: { id: string; status: string } } | undefined;
  await pushUniqueImage(docker, bed.registry.address, repository);
  const first = await startBinary({ dataDir, dockerSocket: bed.dockerSocket });
  try {
    const api = await ApiSession.forServer(first.url).setUpAdmin();
    const [environment] = (await api.call('GET', '/api/environments')).body;
    base = `/api/environments/${environment.id}`;
    reference = `${registry.address}/${repository}:latest`;
    const started = await api.call('POST', `${base}/images/pull`, { reference });
    expect(started.status).toBe(202);
    jobId = started.body.id;

    // Follow it until a layer is part way down: the registry sends half of it and then nothing.
    const live = await api.request('GET', `${base}/jobs/${jobId}/events`);
    const seen = await readServerSentEvents(
      live.body?.getReader() as ReadableStreamDefaultReader,
      (messages) => messages.some((message) => message.data.kind === 'layer' && message.data.current > 0),
    );
    downloading = seen.find((message) => message.data.kind === 'layer' && message.data.current > 0);
    expect(downloading?.data.status).toBe('Downloading');
    await Bun.sleep(600); // reports are written in batches a fraction of a second apart
  } finally {
    await first.kill();
  }

  const second = await startBinary({ dataDir, dockerSocket: bed.dockerSocket });
  try {
    expect(
      second.logs.some((line) => line.msg === 'jobs the previous run left running are marked interrupted'),
    ).toBe(true);
    const again = ApiSession.forServer(second.url);
    expect((await again.login(TEST_ADMIN_CREDENTIALS)).status).toBe(200);
    const job = await again.call('GET', `${base}/jobs/${jobId}`);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({
      id: jobId,
      kind: 'images:pull',
      target: reference,
      status: 'interrupted',
      error: expect.stringContaining('Windflow stopped'),
      finishedAt: expect.any(String),
      startedBy: { username: 'admin' },
    });
    expect(
      (await again.call('GET', `${base}/jobs`)).body.map((listed: { id: string }) => listed.id),
    ).toContain(jobId);

    const replay = await again.request('GET', `${base}/jobs/${jobId}/events`);
    const messages = await readServerSentEvents(
      replay.body?.getReader() as ReadableStreamDefaultReader,
      () => false,
    );
    expect(messages.at(-1)).toMatchObject({ event: 'end', data: { id: jobId, status: 'interrupted' } });
    const layer = messages.find(
      (message) => message.data.kind === 'layer' && message.data.id === downloading?.data.id,
    );
    expect(layer?.data).toMatchObject({ status: 'Downloading', current: expect.any(Number) });

    const audit = await again.call('GET', '/api/audit/?action=images:pull');
    expect(audit.status).toBe(200);
    const entries: { outcome: string; detail: string; status: number }[] = audit.body.entries;
    expect(entries.find((entry) => entry.detail.includes(`job ${jobId} interrupted`))).toMatchObject({
      outcome: 'failure',
      status: 503,
    });
    expect(entries.some((entry) => entry.outcome === 'success' && entry.status === 202)).toBe(true);
  } finally {
    expect(await second.stop()).toBe(0);
  }
});
