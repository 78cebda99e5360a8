// Benchmark: the containers page with 300 containers. Server time of the list, first screen
// and whole table drawn in Chromium, and how long a state change takes to show in the open list (started
// outside Windflow, seen through the events stream). Needs the test bed and `bun run build`.
//
//   bun run bench:containers      (WINDFLOW_BENCH_CONTAINERS=500 for another count)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient } from '../src/docker/client.ts';
import { startBinary } from '../src/testing/binary.ts';
import { launchChromium } from '../src/testing/browser.ts';
import { ApiSession, logInPage } from '../src/testing/session.ts';
import { testbed } from '../src/testing/testbed.ts';
import { ensureBenchContainers, removeBenchContainers } from './containers-fixture.ts';
import { mib, ms, percentile, summary, timeRounds } from './measure.ts';

const CONTAINERS = Number(process.env.WINDFLOW_BENCH_CONTAINERS ?? 300);
const PAINTS = 10;
/** About what a 900 px high window shows. */
const FIRST_SCREEN = 20;
const STATE_CHANGES = 10;

const { dockerSocket, images } = testbed();
const docker = new DockerClient({ kind: 'unix', socketPath: dockerSocket });
const dataDir = mkdtempSync(join(tmpdir(), 'windflow-bench-containers-'));
const ids = await ensureBenchContainers(docker, images.busybox, CONTAINERS);
const total = (await docker.listContainers({ all: true })).length;
const server = await startBinary({ dataDir, dockerSocket });
const browser = await launchChromium();
try {
  const api = await ApiSession.forServer(server.url).setUpAdmin();
  const list = await timeRounds(50, async () => {
    const answer = await api.call('GET', '/api/environments/1/containers?all=1');
    if (answer.status !== 200) throw new Error(`list answered ${answer.status}`);
  });
  console.log(`${total} containers, GET .../containers?all=1 through Windflow: ${summary(list)}`);

  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await logInPage(page, server.url);
  const firstScreens: number[] = [];
  const paints: number[] = [];
  const rows = page.locator('[data-testid="container-table"] tbody tr');
  for (let round = 0; round < PAINTS; round++) {
    const started = performance.now();
    await page.goto(`${server.url}/containers`);
    await rows.nth(FIRST_SCREEN - 1).waitFor();
    firstScreens.push(performance.now() - started);
    await rows.nth(total - 1).waitFor();
    paints.push(performance.now() - started);
  }
  console.log(
    `first screen of the table (navigation to ${FIRST_SCREEN} rows drawn): ${summary(firstScreens.sort((a, b) => a - b))}`,
  );
  console.log(
    `the whole table (navigation to ${total} rows drawn): ${summary(paints.sort((a, b) => a - b))}`,
  );

  const changes: number[] = [];
  for (const id of ids.slice(0, STATE_CHANGES)) {
    await docker.startContainer(id);
    // The daemon has sent its "start" event by the time the call returns.
    const started = performance.now();
    await page.locator(`[data-container][data-state="running"] a[href$="${id}"]`).waitFor();
    changes.push(performance.now() - started);
  }
  changes.sort((a, b) => a - b);
  console.log(
    `state change -> list (docker start returned -> the row says running): ${summary(changes)}, max ${ms(percentile(changes, 1))}`,
  );
  console.log(`resident memory of Windflow: ${mib(server.residentKiB())}`);
} finally {
  await browser.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  if (!process.env.WINDFLOW_BENCH_KEEP) await removeBenchContainers(docker);
  docker.close();
}
