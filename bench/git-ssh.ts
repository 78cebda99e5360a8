// Benchmark: fetching a 40 MiB repository over SSH. The transport alone (our plugin's response
// body read and dropped: what SSH and ssh2 cost), isomorphic-git's whole clone through it, and
// Debian's git with OpenSSH for reference, each with its time and this process's RSS growth.
// Needs the test bed.
//
//   bun run bench:git-ssh

import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { sshGitHttpClient, sshStandInUrl } from '../src/git/ssh-transport.ts';
import { createTestRepo, git as hostGit } from '../src/testing/git-repos.ts';
import { testbed } from '../src/testing/testbed.ts';

const MiB = 1024 * 1024;
const bed = testbed().gitSsh;
const auth = { privateKey: readFileSync(bed.clientKeys.ed25519, 'utf8'), knownHostKey: bed.hostPublicKey };
const repo = createTestRepo('bench-ssh');
const work = mkdtempSync(join(tmpdir(), 'windflow-bench-git-ssh-'));

async function measure(label: string, run: () => Promise<number | undefined>): Promise<number> {
  Bun.gc(true);
  const rss = process.memoryUsage().rss;
  const started = performance.now();
  const bytes = await run();
  const seconds = (performance.now() - started) / 1000;
  const growth = (process.memoryUsage().rss - rss) / MiB;
  const rate = bytes ? `, ${(bytes / MiB / seconds).toFixed(1)} MiB/s` : '';
  console.log(`${label.padEnd(34)} ${seconds.toFixed(2)} s${rate}, RSS +${growth.toFixed(0)} MiB`);
  return seconds;
}

try {
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < 40; i++) files[`blob-${i}.bin`] = crypto.getRandomValues(new Uint8Array(MiB));
  repo.commit(files, 'large');
  hostGit(repo.path, 'repack', '-adq');
  const url = sshStandInUrl(repo.sshUrl);

  await measure('transport only (pack read, dropped)', async () => {
    const http = sshGitHttpClient(auth);
    try {
      const info = await git.getRemoteInfo({ http, url });
      const head = info.refs?.heads?.main as string;
      const want = `want ${head} side-band-64k ofs-delta\n`;
      const body = `${(want.length + 4).toString(16).padStart(4, '0')}${want}00000009done\n`;
      const response = await http.request({
        url: `${url}/git-upload-pack`,
        method: 'POST',
        body: [Buffer.from(body)] as never,
      });
      let bytes = 0;
      for await (const chunk of response.body ?? []) bytes += chunk.byteLength;
      return bytes;
    } finally {
      http.close();
    }
  });
  const ours = await measure('isomorphic-git clone over SSH', async () => {
    const http = sshGitHttpClient(auth);
    try {
      await git.clone({
        fs,
        http,
        dir: join(work, 'iso'),
        url,
        singleBranch: true,
        depth: 1,
        noCheckout: true,
      });
    } finally {
      http.close();
    }
    return undefined;
  });
  const theirs = await measure('git clone with OpenSSH (reference)', async () => {
    const ssh = `ssh -i ${bed.clientKeys.ed25519} -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`;
    const run = Bun.spawnSync(
      ['git', 'clone', '-q', '--bare', '--depth', '1', repo.sshUrl, join(work, 'git')],
      {
        env: { ...process.env, GIT_SSH_COMMAND: ssh },
      },
    );
    if (run.exitCode !== 0) throw new Error(run.stderr.toString());
    return undefined;
  });
  console.log(`isomorphic-git over SSH / git with OpenSSH: ${(ours / theirs).toFixed(1)}x the time`);
} finally {
  repo.remove();
  rmSync(work, { recursive: true, force: true });
}
