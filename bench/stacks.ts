// Benchmark: a 20-service Compose stack through Windflow's engine against the local daemon. Time
// and Engine calls of the first `up` (images present), of a no-change `up` (it must create, stop
// and remove nothing), of a one-service change, and of `down`. Needs the test bed.
//
//   bun run bench:stacks      (WINDFLOW_BENCH_SERVICES=50 for another count)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { up } from '../src/docker/compose/converge.ts';
import { loadProject } from '../src/docker/compose/load.ts';
import { down } from '../src/docker/compose/operations.ts';
import { CountingDockerClient } from '../src/testing/counting-docker.ts';
import { testbed } from '../src/testing/testbed.ts';
import { ms, summary, timeRounds } from './measure.ts';

const SERVICES = Number(process.env.WINDFLOW_BENCH_SERVICES ?? 20);
const NO_CHANGE_ROUNDS = 20;
const { dockerSocket, images } = testbed();
const docker = new CountingDockerClient({ kind: 'unix', socketPath: dockerSocket });
const name = `wfbench-${process.pid}`;
const workingDir = mkdtempSync(join(tmpdir(), 'windflow-bench-stacks-'));

const composeText = (marker: string) =>
  `services:\n${Array.from(
    { length: SERVICES },
    (_, index) => `  svc${index}:
    image: ${images.busybox}
    command: ["sleep", "3600"]
    init: true
    stop_grace_period: 1s
    environment:
      INDEX: "${index}"
      MARKER: "${index === 0 ? marker : 'same'}"
    networks: [back]
`,
  ).join('')}networks:\n  back:\n`;

const load = (marker: string) =>
  loadProject({
    workingDir,
    projectName: name,
    files: [{ path: 'compose.yaml', content: composeText(marker) }],
  });

/** Runs `work` once, counting its Engine calls by kind. */
async function measured(work: () => Promise<unknown>) {
  docker.reset();
  const started = performance.now();
  await work();
  const elapsed = performance.now() - started;
  const count = (pattern: RegExp) => docker.count(pattern);
  return {
    elapsed,
    calls: docker.calls.length,
    creates: count(/^POST .*\/containers\/create/),
    stops: count(/\/stop$/),
    removes: count(/^DELETE /),
  };
}

const describe = (what: string, result: Awaited<ReturnType<typeof measured>>) =>
  console.log(
    `${what}: ${ms(result.elapsed)}, ${result.calls} Engine calls (${result.creates} create, ${result.stops} stop, ${result.removes} remove)`,
  );

try {
  await down(docker, name, { volumes: true });
  const quiet = { report: () => undefined };
  const first = await measured(async () => up(docker, await load('a'), quiet));
  describe(`up of ${SERVICES} services, images present`, first);

  const again = await measured(async () => up(docker, await load('a'), quiet));
  describe('no-change up', again);
  if (again.creates + again.stops + again.removes > 0) throw new Error('a no-change up changed containers');
  const project = await load('a');
  const rounds = await timeRounds(NO_CHANGE_ROUNDS, () => up(docker, project, quiet));
  console.log(`no-change up, ${NO_CHANGE_ROUNDS} rounds (file already loaded): ${summary(rounds)}`);
  const list = await timeRounds(NO_CHANGE_ROUNDS, () => docker.listContainers({ all: true }));
  const median = (values: number[]) => values[Math.floor(values.length / 2)] ?? 0;
  console.log(
    `  = ${(median(rounds) / median(list)).toFixed(1)}x one GET /containers/json?all=1 (${ms(median(list))}) on this daemon`,
  );

  // The daemon alone: the same number of containers created and started at once, no Compose.
  const raw = await measured(async () => {
    const ids = await Promise.all(
      Array.from({ length: SERVICES }, async () => {
        const { Id } = await docker.createContainer({
          Image: images.busybox,
          Cmd: ['sleep', '3600'],
          Labels: { 'windflow.test': '1', 'windflow.bench': name },
          HostConfig: { Init: true },
        });
        await docker.startContainer(Id);
        return Id;
      }),
    );
    await Promise.all(ids.map((id) => docker.removeContainer(id, { force: true })));
  });
  console.log(
    `  the daemon alone, ${SERVICES} containers created and started at once (then removed): ${ms(raw.elapsed)}; Windflow's first up = ${(first.elapsed / raw.elapsed).toFixed(1)}x that`,
  );

  const change = await measured(async () => up(docker, await load('b'), quiet));
  describe('up with one service changed', change);

  const removal = await measured(() => down(docker, name, { volumes: true }));
  describe('down', removal);
} finally {
  await down(docker, name, { volumes: true }).catch(() => undefined);
  docker.close();
  rmSync(workingDir, { recursive: true, force: true });
}
