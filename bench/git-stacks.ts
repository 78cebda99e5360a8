// Benchmark: what a Git stack costs. (1) Checking a commit out — a shallow fetch of a branch of
// a compose repository with 600 files, as every deploy does — through Windflow's Git sources
// over smart HTTP and over SSH, against Debian's git (`clone --depth 1`) over the same servers,
// with ratios. (2) A push reaching the host: a signed webhook delivery to the job's start (fetch,
// checkout, compose checks) and to its end (deploy and verification), through the API.
// Needs the test bed.
//
//   bun run bench:git-stacks

import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GitSource, withGitSession } from '../src/git/git-source.ts';
import type { Job } from '../src/jobs/job-registry.ts';
import { createTestRepo } from '../src/testing/git-repos.ts';
import { startGitStackApp } from '../src/testing/git-stack-app.ts';
import { testbed } from '../src/testing/testbed.ts';
import { percentile, summary, timeRounds } from './measure.ts';

const ROUNDS = 15;
const PUSHES = 8;
const bed = testbed();
const repo = createTestRepo('bench-git-stacks');
const work = mkdtempSync(join(tmpdir(), 'windflow-bench-git-stacks-'));
const privateKey = readFileSync(bed.gitSsh.clientKeys.ed25519, 'utf8');

const compose = (message: string) => `services:
  web:
    image: ${bed.images.busybox}
    command: ["sh", "-c", "echo ${message}; sleep 3600"]
    stop_grace_period: 1s
`;

/** A repository as people keep one: many small files in folders, the stack's compose among them. */
function seed(): void {
  const files: Record<string, string> = { 'deploy/compose.yaml': compose('v0') };
  for (let i = 0; i < 600; i++)
    files[`config/service-${i % 30}/file-${i}.conf`] = `# generated ${i}\n${'key = value\n'.repeat(200)}`;
  repo.commit(files, 'seed');
}

let folder = 0;
const fresh = () => join(work, `checkout-${folder++}`);

/** As a deploy does: the branch resolved and its commit checked out in one session. */
async function windflowCheckout(source: GitSource): Promise<void> {
  const dir = fresh();
  await withGitSession(source, 64 * 1024 * 1024, async (session) =>
    session.checkout(await session.resolveRef('main'), dir),
  );
  rmSync(dir, { recursive: true, force: true });
}

function hostClone(url: string, env: Record<string, string>): Promise<void> {
  const dir = fresh();
  const child = Bun.spawn(
    ['git', 'clone', '-q', '--depth', '1', '--single-branch', '--branch', 'main', url, dir],
    {
      env: { PATH: process.env.PATH ?? '', HOME: work, ...env },
      stderr: 'pipe',
    },
  );
  return child.exited.then(async (code) => {
    if (code !== 0) throw new Error(`git clone: ${await new Response(child.stderr).text()}`);
    rmSync(dir, { recursive: true, force: true });
  });
}

async function checkouts(): Promise<void> {
  const http: GitSource = {
    url: repo.httpUrl,
    auth: { kind: 'basic', username: bed.gitHttp.username, password: bed.gitHttp.password },
  };
  const ssh: GitSource = {
    url: repo.sshUrl,
    auth: { kind: 'ssh', privateKey, knownHostKey: bed.gitSsh.hostPublicKey },
  };
  const knownHosts = join(work, 'known_hosts');
  writeFileSync(knownHosts, `[${bed.gitSsh.host}]:${bed.gitSsh.port} ${bed.gitSsh.hostPublicKey}\n`);
  const basic = Buffer.from(`${bed.gitHttp.username}:${bed.gitHttp.password}`).toString('base64');
  const hostHttp = {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.extraHeader',
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  };
  const hostSsh = {
    GIT_SSH_COMMAND: `ssh -i ${bed.gitSsh.clientKeys.ed25519} -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes`,
  };
  console.log(`checking out a branch (600 files, shallow), ${ROUNDS} rounds each:`);
  for (const [label, ours, theirs] of [
    ['smart HTTP', () => windflowCheckout(http), () => hostClone(repo.httpUrl, hostHttp)],
    ['SSH', () => windflowCheckout(ssh), () => hostClone(repo.sshUrl, hostSsh)],
  ] as const) {
    const windflow = await timeRounds(ROUNDS, ours, 2);
    const git = await timeRounds(ROUNDS, theirs, 2);
    const ratio = percentile(windflow, 0.5) / percentile(git, 0.5);
    console.log(`  ${label.padEnd(10)} Windflow ${summary(windflow)}`);
    console.log(`  ${''.padEnd(10)} git      ${summary(git)}  -> ${ratio.toFixed(2)}x git`);
  }
}

async function pushes(): Promise<void> {
  const stacks = await startGitStackApp('sqlite', 'wfbench');
  try {
    const { admin, base, app } = stacks;
    const repository = await admin.call('POST', `${base}/git/repositories`, {
      name: 'bench',
      url: repo.sshUrl,
      auth: 'ssh',
      secret: privateKey,
      knownHostKey: bed.gitSsh.hostPublicKey,
    });
    const stack = stacks.stackName('push');
    const created = await admin.call('POST', `${base}/git/stacks`, {
      name: stack,
      repositoryId: repository.body.id,
      ref: 'main',
      composePath: 'deploy/compose.yaml',
    });
    await stacks.finished(created.body as Job);
    const hook = (await admin.call('GET', `${base}/git/repositories/${repository.body.id}/webhook`)).body;
    const toStart: number[] = [];
    const toEnd: number[] = [];
    for (let round = 1; round <= PUSHES; round++) {
      const commit = repo.commit({ 'deploy/compose.yaml': compose(`v${round}`) }, `round ${round}`);
      const body = JSON.stringify({ ref: 'refs/heads/main', after: commit });
      const signature = createHmac('sha256', hook.secret).update(body).digest('hex');
      const started = performance.now();
      const answer = await app.session().request('POST', hook.webhookPath, body, {
        'content-type': 'application/json',
        'x-windflow-signature': `sha256=${signature}`,
        'x-windflow-delivery': `bench-${round}-${Date.now()}`,
      });
      if (answer.status !== 202) throw new Error(`delivery: ${answer.status} ${await answer.text()}`);
      let jobId: string | undefined;
      while (!jobId) {
        const [latest] = (
          await admin.call('GET', `${base}/git/repositories/${repository.body.id}/deliveries`)
        ).body;
        jobId = latest?.results?.[0]?.jobId;
        if (!jobId) await Bun.sleep(5);
      }
      toStart.push(performance.now() - started);
      const job = await stacks.finished((await app.services.jobs.get(jobId)) as Job);
      if (job.status !== 'succeeded') throw new Error(`round ${round}: ${job.status} ${job.error ?? ''}`);
      toEnd.push(performance.now() - started);
    }
    console.log(`a push over SSH reaching the host, ${PUSHES} webhook deliveries:`);
    console.log(
      `  delivery -> deploy job started (fetch, checkout, checks): ${summary(toStart.sort((a, b) => a - b))}`,
    );
    console.log(
      `  delivery -> running and verified (2.5 s verification):   ${summary(toEnd.sort((a, b) => a - b))}`,
    );
  } finally {
    await stacks.close();
  }
}

try {
  seed();
  await checkouts();
  await pushes();
} finally {
  repo.remove();
  rmSync(work, { recursive: true, force: true });
}
