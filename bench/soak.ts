// Benchmark: resident memory of the running binary over a long busy run, then idle. Traffic goes
// to the local daemon and to the test bed's TCP+TLS daemon (where a TLS leak would show): lists,
// engine info, and live streams (events, logs) opened and dropped. Needs `bash scripts/testbed.sh`
// and `bun run build`.
//
//   bun run bench:soak        (WINDFLOW_SOAK_SECONDS=600 for a longer run; default 120)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient } from '../src/docker/client.ts';
import { startBinary } from '../src/testing/binary.ts';
import { ApiSession } from '../src/testing/session.ts';
import { testbed } from '../src/testing/testbed.ts';
import { mib } from './measure.ts';

const SECONDS = Number(process.env.WINDFLOW_SOAK_SECONDS ?? 120);
const SAMPLE_EVERY_MS = 10_000;

const bed = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: bed.dockerSocket });
const dataDir = mkdtempSync(join(tmpdir(), 'windflow-soak-'));
const server = await startBinary({ dataDir, dockerSocket: bed.dockerSocket });
const { Id: talker } = await docker.createContainer({
  Image: bed.images.busybox,
  Cmd: ['sh', '-c', 'while true; do echo tick; sleep 0.2; done'],
  Labels: { 'windflow.bench': 'soak' },
});

try {
  await docker.startContainer(talker);
  const windflow = await ApiSession.forServer(server.url).setUpAdmin();
  const tls = await windflow.call('POST', '/api/environments', {
    name: 'soak-tls',
    type: 'tcp-tls',
    address: `${bed.tlsDaemon.host}:${bed.tlsDaemon.port}`,
    tls: {
      ca: readFileSync(bed.tlsDaemon.ca, 'utf8'),
      cert: readFileSync(bed.tlsDaemon.cert, 'utf8'),
      key: readFileSync(bed.tlsDaemon.key, 'utf8'),
    },
  });
  if (tls.status !== 201) throw new Error(`adding the TLS environment: ${tls.status} ${tls.text}`);
  const environments = [1, tls.body.id as number];

  const expectOk = async (path: string) => {
    const answer = await windflow.call('GET', path);
    if (answer.status !== 200) throw new Error(`${path}: ${answer.status} ${answer.text}`);
  };
  /** Opens a live stream, reads its first chunk, and drops it. */
  const openAndDrop = async (path: string) => {
    const response = await windflow.request('GET', path);
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    const reader = response.body?.getReader();
    await reader?.read();
    await reader?.cancel();
  };
  const round = async () => {
    for (const id of environments) {
      await expectOk(`/api/environments/${id}/containers?all=1`);
      await expectOk(`/api/environments/${id}/info`);
      await expectOk(`/api/environments/${id}/images`);
    }
    await openAndDrop(`/api/environments/1/containers/${talker}/logs?follow=true&tail=10`);
    await openAndDrop(`/api/environments/${environments[1]}/system/events`);
  };

  for (let warmup = 0; warmup < 20; warmup++) await round();
  const samples = [server.residentKiB()];
  console.log(`busy for ${SECONDS} s (rounds of 6 calls and 2 streams, half of them over TLS)`);
  console.log(`  0 s: ${mib(samples[0] ?? 0)}`);
  const started = performance.now();
  let nextSample = started + SAMPLE_EVERY_MS;
  let rounds = 0;
  while (performance.now() - started < SECONDS * 1000) {
    await round();
    rounds += 1;
    if (performance.now() >= nextSample) {
      samples.push(server.residentKiB());
      console.log(`${Math.round((performance.now() - started) / 1000)} s: ${mib(samples.at(-1) ?? 0)}`);
      nextSample += SAMPLE_EVERY_MS;
    }
  }
  const first = samples[0] ?? 0;
  const last = samples.at(-1) ?? 0;
  console.log(`rounds: ${rounds} (${((rounds * 8) / SECONDS).toFixed(0)} requests/s)`);
  console.log(
    `resident memory: ${mib(first)} -> ${mib(last)} (${last >= first ? '+' : ''}${mib(last - first)}), peak ${mib(Math.max(...samples))}`,
  );
  await Bun.sleep(SAMPLE_EVERY_MS);
  console.log(`idle 10 s later: ${mib(server.residentKiB())}`);
} finally {
  await server.stop();
  await docker.removeContainer(talker, { force: true });
  rmSync(dataDir, { recursive: true, force: true });
  docker.close();
}
