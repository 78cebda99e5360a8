// Benchmark: the volume browser on a folder of many files, with a fresh helper container and
// with the reused one, and exporting then importing a volume. Needs the test bed and a build.
//
//   bun run bench:volumes        (WINDFLOW_BENCH_FILES=5000 for another count)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient } from '../src/docker/client.ts';
import { startBinary } from '../src/testing/binary.ts';
import { ApiSession } from '../src/testing/session.ts';
import { testbed } from '../src/testing/testbed.ts';
import { mib, ms, summary, timeRounds } from './measure.ts';

const FILES = Number(process.env.WINDFLOW_BENCH_FILES ?? 1000);
const EXPORT_MIB = 64;
const ROUNDS = 20;
const LABELS = { 'windflow.bench': '1' };

const { dockerSocket, images } = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: dockerSocket });
const volume = `windflow-bench-volume-${process.pid}`;
const copy = `${volume}-copy`;

async function fillVolume(): Promise<void> {
  await docker.request('POST', '/volumes/create', { body: { Name: volume, Labels: LABELS } });
  const script = `mkdir -p /v/many && cd /v/many && i=0; while [ $i -lt ${FILES} ]; do echo $i > f$i.txt; i=$((i+1)); done; head -c ${EXPORT_MIB}m /dev/urandom > /v/blob`;
  const { Id } = await docker.createContainer({
    Image: images.busybox,
    Cmd: ['sh', '-c', script],
    Labels: LABELS,
    HostConfig: { Binds: [`${volume}:/v`] },
  });
  await docker.startContainer(Id);
  await docker.request('POST', `/containers/${Id}/wait`, { timeoutMs: 120_000 });
  await docker.removeContainer(Id, { force: true });
}

const dataDir = mkdtempSync(join(tmpdir(), 'windflow-bench-volumes-'));
await fillVolume();
const server = await startBinary({ dataDir, dockerSocket });
try {
  const api = await ApiSession.forServer(server.url).setUpAdmin();
  const base = `/api/environments/1/volumes/${volume}/browse`;
  const list = async () => {
    const answer = await api.call('GET', `${base}?path=many`);
    if (answer.status !== 200) throw new Error(`list answered ${answer.status}: ${answer.text}`);
    return answer.body;
  };
  const coldStarted = performance.now();
  const listed = (await list()) as { entries: unknown[] };
  console.log(
    `folder of ${listed.entries.length} files, first listing (helper starts): ${ms(performance.now() - coldStarted)}`,
  );
  console.log(`folder of ${FILES} files, helper reused:  ${summary(await timeRounds(ROUNDS, list, 2))}`);

  const exportStarted = performance.now();
  const exported = await api.request('GET', `/api/environments/1/volumes/${volume}/export`);
  const archive = new Uint8Array(await exported.arrayBuffer());
  const exportMs = performance.now() - exportStarted;
  const sizeMiB = archive.byteLength / 1024 / 1024;
  console.log(
    `export: ${sizeMiB.toFixed(1)} MiB tar in ${ms(exportMs)} (${(sizeMiB / (exportMs / 1000)).toFixed(0)} MiB/s)`,
  );

  await docker.request('POST', '/volumes/create', { body: { Name: copy, Labels: LABELS } });
  const importStarted = performance.now();
  const imported = await api.request('POST', `/api/environments/1/volumes/${copy}/import`, archive, {
    'content-type': 'application/x-tar',
  });
  const importMs = performance.now() - importStarted;
  if (imported.status !== 201)
    throw new Error(`import answered ${imported.status}: ${await imported.text()}`);
  console.log(
    `import: ${sizeMiB.toFixed(1)} MiB tar in ${ms(importMs)} (${(sizeMiB / (importMs / 1000)).toFixed(0)} MiB/s)`,
  );
  console.log(`resident memory after the export and import: ${mib(server.residentKiB())}`);
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  for (const name of [volume, copy]) await docker.request('DELETE', `/volumes/${name}`).catch(() => {});
  docker.close();
}
