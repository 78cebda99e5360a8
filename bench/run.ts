// Benchmark: list 200 containers through Windflow versus asking the daemon directly, and the
// resident memory of the running binary. Needs `bash scripts/testbed.sh` and `bun run build`.
//
//   bun run bench            (WINDFLOW_BENCH_CONTAINERS=300 for another count)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient } from '../src/docker/client.ts';
import { startBinary } from '../src/testing/binary.ts';
import { ApiSession } from '../src/testing/session.ts';
import { testbed } from '../src/testing/testbed.ts';
import { ensureBenchContainers, removeBenchContainers } from './containers-fixture.ts';
import { mib, ms, percentile, summary, timeRounds } from './measure.ts';

const CONTAINERS = Number(process.env.WINDFLOW_BENCH_CONTAINERS ?? 200);
const ROUNDS = 100;

const { dockerSocket, images } = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: dockerSocket });

async function fetchJson(url: string, init?: RequestInit & { unix?: string }): Promise<unknown[]> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as unknown[];
}

const dataDir = mkdtempSync(join(tmpdir(), 'windflow-bench-'));
await ensureBenchContainers(docker, images.busybox, CONTAINERS);
const server = await startBinary({ dataDir, dockerSocket });
try {
  const windflow = await ApiSession.forServer(server.url).setUpAdmin();
  const listThroughWindflow = async () => {
    const answer = await windflow.call('GET', '/api/environments/1/containers?all=1');
    if (answer.status !== 200) throw new Error(`Windflow answered ${answer.status}: ${answer.text}`);
    return answer.body as unknown[];
  };
  const listed = await listThroughWindflow();
  console.log(`containers listed: ${listed.length} (${CONTAINERS} made for the benchmark)`);
  const rssAtStart = server.residentKiB();

  const direct = await timeRounds(ROUNDS, () =>
    fetchJson(`http://docker/v${docker.apiVersion}/containers/json?all=1`, { unix: dockerSocket }),
  );
  const through = await timeRounds(ROUNDS, listThroughWindflow);
  const directMedian = percentile(direct, 0.5);
  const throughMedian = percentile(through, 0.5);
  console.log(`daemon directly:   ${summary(direct)}`);
  console.log(`through Windflow:  ${summary(through)}`);
  console.log(`ratio (median):    ${(throughMedian / directMedian).toFixed(2)}x`);
  console.log(`Windflow's own time (median difference): ${ms(throughMedian - directMedian)}`);

  await Bun.sleep(10_000);
  console.log(
    `resident memory:   ${mib(rssAtStart)} after start and the admin's set-up (argon2id), ${mib(server.residentKiB())} idle after ${2 * (ROUNDS + 5)} requests and 10 s`,
  );
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  if (!process.env.WINDFLOW_BENCH_KEEP) await removeBenchContainers(docker);
  docker.close();
}
