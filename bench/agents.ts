// Benchmark: 500 edge agents on one server. One process of simulated agents (plain Hawser
// protocol, bench/agents-simulated.ts) plus a real `windflow agent` and the real Hawser agent.
// Prints the server's RSS before and with the agents, its CPU while they idle, and the latency a
// container list gains through each real agent against the same list from the local socket
// (same daemon, so the difference is the tunnel). Loopback only; needs `bun run build`.
//
//   bun run bench:agents          (WINDFLOW_BENCH_AGENTS=200 for another count)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningAgent, startHawserEdge, startProcess } from '../src/testing/agents.ts';
import { startBinary } from '../src/testing/binary.ts';
import { ApiSession } from '../src/testing/session.ts';
import { testbed } from '../src/testing/testbed.ts';
import { mib, ms, percentile, timeRounds } from './measure.ts';

const AGENTS = Number(process.env.WINDFLOW_BENCH_AGENTS ?? 500);
const IDLE_SECONDS = 20;
const ROUNDS = 300;
const GOAL_P50_ADDED_MS = 5;

const { dockerSocket } = testbed();
const dataDir = mkdtempSync(join(tmpdir(), 'windflow-bench-agents-'));
const server = await startBinary({ dataDir, dockerSocket });
const serverUrl = `${server.url.replace(/^http/, 'ws')}/api/hawser/connect`;
const real: RunningAgent[] = [];
let simulated: ReturnType<typeof Bun.spawn> | undefined;

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function untilConnected(api: ApiSession, id: number, agent: RunningAgent): Promise<void> {
  for (let waited = 0; waited < 30_000; waited += 200) {
    if ((await api.call('GET', `/api/environments/${id}`)).body.agent?.connected) return;
    await Bun.sleep(200);
  }
  throw new Error(`environment ${id} did not connect:\n${agent.output().slice(-2000)}`);
}

async function addEdge(api: ApiSession, name: string): Promise<{ id: number; token: string }> {
  const created = await api.call('POST', '/api/environments', { name, type: 'edge', address: '' });
  if (created.status !== 201) throw new Error(`adding an edge environment answered ${created.status}`);
  return { id: created.body.id, token: created.body.enrolment.token };
}

try {
  const api = await ApiSession.forServer(server.url).setUpAdmin();
  const local = (await api.call('GET', '/api/environments')).body[0];
  const before = server.residentKiB();

  const edges: { id: number; token: string }[] = [];
  for (let index = 0; index < AGENTS; index++) edges.push(await addEdge(api, `sim-${index}`));
  const connectStarted = performance.now();
  const child = Bun.spawn(['bun', join(import.meta.dir, 'agents-simulated.ts')], {
    stdin: new Blob([[serverUrl, ...edges.map((edge) => edge.token)].join('\n')]),
    stdout: 'pipe',
    stderr: 'inherit',
  });
  simulated = child;
  const reader = child.stdout.getReader();
  let said = '';
  while (!said.includes('connected')) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the simulated agents stopped: ${said}`);
    said += new TextDecoder().decode(value);
  }
  const connectMs = performance.now() - connectStarted;

  const windflowEdge = await addEdge(api, 'real-windflow');
  const hawserEdge = await addEdge(api, 'real-hawser');
  const main = join(import.meta.dir, '..', 'src', 'daemon', 'main.ts');
  const windflowAgent = startProcess(
    ['bun', main, 'agent', '--server', serverUrl, '--token', windflowEdge.token],
    {},
  );
  const hawserAgent = startHawserEdge({ serverUrl, token: hawserEdge.token, name: 'bench-hawser' });
  real.push(windflowAgent, hawserAgent);
  await untilConnected(api, windflowEdge.id, windflowAgent);
  await untilConnected(api, hawserEdge.id, hawserAgent);
  await Bun.sleep(2000);
  const withAgents = server.residentKiB();

  const cpuBefore = cpuSeconds(server.pid);
  await Bun.sleep(IDLE_SECONDS * 1000);
  const idleCpu = ((cpuSeconds(server.pid) - cpuBefore) / IDLE_SECONDS) * 100;
  const afterIdle = server.residentKiB();

  const list = (id: number) => async () => {
    const answer = await api.call('GET', `/api/environments/${id}/containers?all=1`);
    if (answer.status !== 200) throw new Error(`a list answered ${answer.status}: ${answer.text}`);
  };
  const direct = await timeRounds(ROUNDS, list(local.id));
  const viaWindflow = await timeRounds(ROUNDS, list(windflowEdge.id));
  const viaHawser = await timeRounds(ROUNDS, list(hawserEdge.id));
  const viaSimulated = await timeRounds(ROUNDS, list((edges[0] as { id: number }).id));
  const afterLists = server.residentKiB();

  const added = (sorted: number[], p: number) => percentile(sorted, p) - percentile(direct, p);
  const line = (label: string, sorted: number[]) =>
    `  ${label}: p50 ${ms(percentile(sorted, 0.5))} (+${ms(added(sorted, 0.5))}), p99 ${ms(percentile(sorted, 0.99))} (+${ms(added(sorted, 0.99))}), ratio ${(percentile(sorted, 0.5) / percentile(direct, 0.5)).toFixed(2)}`;
  console.log(
    `${AGENTS} simulated edge agents (one process) + windflow agent + Hawser, simulated ones connected in ${ms(connectMs)}`,
  );
  console.log(
    `server RSS: ${mib(before)} before, ${mib(withAgents)} with the agents (${((withAgents - before) / (AGENTS + 2)).toFixed(1)} KiB per agent), ${mib(afterIdle)} after ${IDLE_SECONDS} s idle, ${mib(afterLists)} after ${ROUNDS * 4} lists`,
  );
  console.log(`server CPU while the agents idle: ${idleCpu.toFixed(2)} % of one core over ${IDLE_SECONDS} s`);
  console.log(`container list (${ROUNDS} rounds each):`);
  console.log(
    `  direct, local socket: p50 ${ms(percentile(direct, 0.5))}, p99 ${ms(percentile(direct, 0.99))}`,
  );
  console.log(line('through windflow agent', viaWindflow));
  console.log(line('through Hawser        ', viaHawser));
  console.log(line('simulated agent (canned empty list: the tunnel alone)', viaSimulated));
  const worst = Math.max(added(viaWindflow, 0.5), added(viaHawser, 0.5));
  console.log(
    `goal: under ${GOAL_P50_ADDED_MS} ms p50 added — ${worst < GOAL_P50_ADDED_MS ? 'met' : 'NOT met'} (${ms(worst)})`,
  );
} finally {
  simulated?.kill();
  await Promise.all(real.map((agent) => agent.stop()));
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
