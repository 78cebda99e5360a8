// Git over SSH against the real peer: isomorphic-git's own clone, fetch and ref listing through
// our plugin, to the test bed's OpenSSH (git-shell login, git-upload-pack of Debian's git), with
// repositories pushed to by Debian's git. Every way in can fail: each failure must be a clear
// code, and no connection may stay open after it. Connections are counted through a TCP relay
// in front of sshd, which can also go silent or cut the line in the middle of a pack.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git, { type GitHttpRequest, type HttpClient } from 'isomorphic-git';
import { createTestRepo, git as hostGit, type TestRepo } from '../testing/git-repos.ts';
import { SshRelay } from '../testing/ssh-relay.ts';
import { testbed } from '../testing/testbed.ts';
import { GitSshError } from './ssh-errors.ts';
import { generateDeployKey } from './ssh-keys.ts';
import { type SshAuth, type SshGitOptions, sshGitHttpClient, sshStandInUrl } from './ssh-transport.ts';

const bed = testbed().gitSsh;
const ed25519 = readFileSync(bed.clientKeys.ed25519, 'utf8');
const rsa = readFileSync(bed.clientKeys.rsa, 'utf8');
const pinned: SshAuth = { privateKey: ed25519, knownHostKey: bed.hostPublicKey };
const dirs: string[] = [];
let repo: TestRepo;
let mainHead: string;
let featureHead: string;

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wf-ssh-clone-'));
  dirs.push(dir);
  return dir;
}

/** Waits until `check` holds, or fails after `seconds`: conditions, never fixed sleeps. */
async function eventually(check: () => boolean, seconds = 10): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await Bun.sleep(20);
  }
}

async function expectSshError(work: Promise<unknown>, code: string): Promise<GitSshError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GitSshError);
  expect(`${(error as GitSshError).code}: ${(error as Error).message}`).toStartWith(`${code}: `);
  expect((error as GitSshError).code).toBe(code as GitSshError['code']);
  return error as GitSshError;
}

function urlOf(port = bed.port, path = repo.path): string {
  return `ssh://${bed.user}@${bed.host}:${port}${path}`;
}

beforeAll(() => {
  repo = createTestRepo('ssh-transport');
  repo.commit({ 'compose.yaml': 'services: {}\n' }, 'first');
  repo.commit({ 'compose.yaml': 'services:\n  web: {image: busybox}\n' }, 'second', { tag: 'v1.0' });
  mainHead = repo.commit({ 'README.md': 'hello\n' }, 'third');
  featureHead = repo.commit({ 'feature.txt': 'feature\n' }, 'on a branch', { branch: 'feature' });
});

afterAll(() => {
  repo.remove();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('clone, fetch and list over SSH', () => {
  for (const [kind, privateKey] of [
    ['ed25519', ed25519],
    ['RSA', rsa],
  ] as const) {
    test(`a full clone with the ${kind} key uses one connection and closes it`, async () => {
      const relay = new SshRelay();
      const port = await relay.listen();
      const http = sshGitHttpClient({ privateKey, knownHostKey: bed.hostPublicKey });
      try {
        const dir = workDir();
        await git.clone({ fs, http, dir, url: sshStandInUrl(urlOf(port)) });
        expect(await git.resolveRef({ fs, dir, ref: 'HEAD' })).toBe(mainHead);
        expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('hello\n');
        expect(await git.listBranches({ fs, dir, remote: 'origin' })).toEqual(
          expect.arrayContaining(['main', 'feature']),
        );
        expect(await git.listTags({ fs, dir })).toEqual(['v1.0']);
        // The advertisement and the pack went over one connection, which closes once idle.
        expect(relay.accepted).toBe(1);
        await eventually(() => relay.sockets.size === 0);
      } finally {
        http.close();
        await relay.close();
      }
    });
  }

  test('a shallow clone of a branch and of a tag fetches one commit', async () => {
    const http = sshGitHttpClient(pinned);
    try {
      for (const [ref, commit, file, content] of [
        ['feature', featureHead, 'feature.txt', 'feature\n'],
        ['v1.0', repo.revParse('v1.0^{commit}'), 'compose.yaml', 'services:\n  web: {image: busybox}\n'],
      ] as const) {
        const dir = workDir();
        await git.clone({
          fs,
          http,
          dir,
          url: sshStandInUrl(repo.sshUrl),
          ref,
          singleBranch: true,
          depth: 1,
        });
        expect((await git.log({ fs, dir })).map((c) => c.oid)).toEqual([commit]);
        expect(readFileSync(join(dir, file), 'utf8')).toBe(content);
        expect(readFileSync(join(dir, '.git', 'shallow'), 'utf8').trim()).toBe(commit);
      }
    } finally {
      http.close();
    }
  });

  test('a fetch brings a commit pushed after the clone', async () => {
    const other = createTestRepo('ssh-fetch');
    const http = sshGitHttpClient(pinned);
    try {
      other.commit({ 'a.txt': 'one\n' }, 'one');
      const dir = workDir();
      await git.clone({ fs, http, dir, url: sshStandInUrl(other.sshUrl), singleBranch: true, depth: 1 });
      const pushed = other.commit({ 'a.txt': 'two\n' }, 'two');
      const fetchMain = (depth?: number) =>
        git.fetch({
          fs,
          http,
          dir,
          url: sshStandInUrl(other.sshUrl),
          ref: 'main',
          singleBranch: true,
          depth,
        });
      const result = await fetchMain(1);
      expect(result.fetchHead).toBe(pushed);
      expect(await git.resolveRef({ fs, dir, ref: 'refs/remotes/origin/main' })).toBe(pushed);
      // Nothing new: the advertisement alone answers, and the session still ends cleanly.
      const again = await fetchMain();
      expect(again.fetchHead).toBe(pushed);
    } finally {
      http.close();
      other.remove();
    }
  });

  test('branches and tags are listed without cloning (what "test connection" shows)', async () => {
    const http = sshGitHttpClient(pinned);
    try {
      const info = await git.getRemoteInfo({ http, url: sshStandInUrl(repo.sshUrl) });
      expect(info.HEAD).toBe('refs/heads/main');
      expect(info.refs?.heads).toEqual({ main: mainHead, feature: featureHead });
      // listServerRefs asks for protocol v2; the v1 answer is read the same way.
      const heads = await git.listServerRefs({
        http,
        url: sshStandInUrl(repo.sshUrl),
        prefix: 'refs/heads/',
      });
      expect(heads.map((r) => r.ref).sort()).toEqual(['refs/heads/feature', 'refs/heads/main']);
      const empty = createTestRepo('ssh-empty');
      try {
        const none = await git.getRemoteInfo({ http, url: sshStandInUrl(empty.sshUrl) });
        expect(none.refs).toBeUndefined();
      } finally {
        empty.remove();
      }
    } finally {
      http.close();
    }
  });

  test('an encrypted key works with its passphrase and is refused clearly without it', async () => {
    const dir = workDir();
    const keyFile = join(dir, 'key');
    writeFileSync(keyFile, ed25519, { mode: 0o600 });
    expect(Bun.spawnSync(['ssh-keygen', '-q', '-p', '-N', 'open sesame', '-f', keyFile]).exitCode).toBe(0);
    const encrypted = readFileSync(keyFile, 'utf8');
    const info = (passphrase?: string) =>
      git.getRemoteInfo({
        http: sshGitHttpClient({ privateKey: encrypted, passphrase, knownHostKey: bed.hostPublicKey }),
        url: sshStandInUrl(repo.sshUrl),
      });
    expect((await info('open sesame')).refs?.heads?.main).toBe(mainHead);
    await expectSshError(info(), 'SSH_KEY_PASSPHRASE');
    await expectSshError(info('wrong'), 'SSH_KEY_PASSPHRASE');
  });
});

describe('host key pinning', () => {
  test('an unpinned host is refused with its key and the fingerprint ssh-keygen prints', async () => {
    const relay = new SshRelay();
    const port = await relay.listen();
    try {
      const error = await expectSshError(
        git.getRemoteInfo({
          http: sshGitHttpClient({ privateKey: ed25519, knownHostKey: null }),
          url: sshStandInUrl(urlOf(port)),
        }),
        'UNKNOWN_HOST_KEY',
      );
      const keygen = Bun.spawnSync(['ssh-keygen', '-l', '-E', 'sha256', '-f', '-'], {
        stdin: Buffer.from(`${error.details.hostKey?.publicKey}\n`),
      });
      expect(keygen.stdout.toString().split(' ')[1]).toBe(error.details.hostKey?.fingerprint as string);
      expect(error.details.hostKey).toEqual({
        publicKey: bed.hostPublicKey,
        fingerprint: bed.hostKeyFingerprint,
      });
      expect(error.message).toContain(bed.hostKeyFingerprint);
      await eventually(() => relay.sockets.size === 0);
    } finally {
      await relay.close();
    }
  });

  test('the key shown can be pinned as it is, as a known_hosts line or as its fingerprint', async () => {
    for (const knownHostKey of [
      bed.hostPublicKey,
      `[${bed.host}]:${bed.port} ${bed.hostPublicKey}`,
      bed.hostKeyFingerprint,
      // Pinned RSA: the server is asked for its RSA key, as OpenSSH does for a known host.
      `${bed.hostRsaPublicKey} root@server`,
    ]) {
      const info = await git.getRemoteInfo({
        http: sshGitHttpClient({ privateKey: ed25519, knownHostKey }),
        url: sshStandInUrl(repo.sshUrl),
      });
      expect(info.refs?.heads?.main).toBe(mainHead);
    }
  });

  test('another key than the pinned one is refused, naming both fingerprints', async () => {
    const impostor = (await generateDeployKey('ed25519')).publicKey;
    const error = await expectSshError(
      git.getRemoteInfo({
        http: sshGitHttpClient({ privateKey: ed25519, knownHostKey: impostor }),
        url: sshStandInUrl(repo.sshUrl),
      }),
      'HOST_KEY_MISMATCH',
    );
    expect(error.details.hostKey?.fingerprint).toBe(bed.hostKeyFingerprint);
    expect(error.details.expectedFingerprint).toMatch(/^SHA256:/);
    expect(error.details.expectedFingerprint).not.toBe(bed.hostKeyFingerprint);
    await expectSshError(
      git.getRemoteInfo({
        http: sshGitHttpClient({ privateKey: ed25519, knownHostKey: 'not a key' }),
        url: sshStandInUrl(repo.sshUrl),
      }),
      'SSH_HOST_KEY_INVALID',
    );
  });
});

describe('failures are clear and leave no connection open', () => {
  async function failsThroughRelay(
    auth: SshAuth,
    code: string,
    options: SshGitOptions & { path?: string; fault?: SshRelay['fault'] } = {},
  ): Promise<GitSshError> {
    const relay = new SshRelay();
    relay.fault = options.fault;
    const port = await relay.listen();
    const http = sshGitHttpClient(auth, options);
    try {
      const error = await expectSshError(
        git.clone({ fs, http, dir: workDir(), url: sshStandInUrl(urlOf(port, options.path)) }),
        code,
      );
      await eventually(() => relay.sockets.size === 0);
      return error;
    } finally {
      http.close();
      await relay.close();
    }
  }

  test('a key the server does not know', async () => {
    const stranger = await generateDeployKey('ed25519');
    const error = await failsThroughRelay(
      { privateKey: stranger.privateKey, knownHostKey: bed.hostPublicKey },
      'SSH_AUTH_FAILED',
    );
    expect(error.message).toContain('deploy key');
  });

  test('a repository that does not exist', async () => {
    const error = await failsThroughRelay(pinned, 'GIT_REPOSITORY_NOT_FOUND', {
      path: `${bed.reposDir}/missing.git`,
    });
    expect(error.message).toContain('missing.git');
  });

  test('a port where nothing listens', async () => {
    const probe = createServer();
    const port = await new Promise<number>((resolve) =>
      probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)),
    );
    await new Promise((resolve) => probe.close(resolve));
    const error = await expectSshError(
      git.getRemoteInfo({ http: sshGitHttpClient(pinned), url: sshStandInUrl(urlOf(port)) }),
      'SSH_UNREACHABLE',
    );
    expect(error.message).toContain('ECONNREFUSED');
  });

  test('a server that accepts but never speaks SSH times out', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.resume(); // reads (and drops) what comes, so that it sees the client hang up
    });
    const port = await new Promise<number>((resolve) =>
      silent.listen(0, '127.0.0.1', () => resolve((silent.address() as { port: number }).port)),
    );
    try {
      await expectSshError(
        git.getRemoteInfo({
          http: sshGitHttpClient(pinned, { connectTimeoutMs: 500 }),
          url: sshStandInUrl(urlOf(port)),
        }),
        'SSH_TIMEOUT',
      );
      await eventually(() => sockets.size === 0);
    } finally {
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test('a server that goes silent in the middle of a pack times out', async () => {
    // Past the key exchange, login and advertisement: the pack is what stalls.
    await failsThroughRelay(pinned, 'SSH_TIMEOUT', {
      inactivityTimeoutMs: 500,
      fault: { after: 6_000, kind: 'stall' },
    });
  });

  test('a connection cut in the middle of a transfer fails the clone', async () => {
    await failsThroughRelay(pinned, 'SSH_CONNECTION_LOST', { fault: { after: 6_000, kind: 'cut' } });
  });

  test('a cancelled clone stops at once', async () => {
    const controller = new AbortController();
    controller.abort();
    await failsThroughRelay(pinned, 'SSH_ABORTED', { signal: controller.signal });
  });
});

describe('a repository of tens of MB', () => {
  const MiB = 1024 * 1024;
  let big: TestRepo;

  beforeAll(() => {
    big = createTestRepo('ssh-large');
    const files: Record<string, Uint8Array> = {};
    // Random bytes do not compress: the pack is as large as the files.
    for (let i = 0; i < 40; i++) files[`blob-${i}.bin`] = crypto.getRandomValues(new Uint8Array(MiB));
    big.commit(files, 'large');
    // Packed, as a server keeps its repositories: upload-pack then sends stored objects as they are.
    hostGit(big.path, 'repack', '-adq');
  }, 120_000);

  afterAll(() => big.remove());

  test('streams the pack in small pieces as it arrives', async () => {
    const ssh = sshGitHttpClient(pinned);
    const pieces: number[] = [];
    // Watch the plugin's own response body: pieces must come as sshd sends them, never one buffer.
    const watched: HttpClient = {
      async request(request: GitHttpRequest) {
        const response = await ssh.request(request);
        if (request.method !== 'POST' || !response.body) return response;
        const body = response.body;
        response.body = (async function* () {
          for await (const piece of body) {
            pieces.push(piece.byteLength);
            yield piece;
          }
        })();
        return response;
      },
    };
    const dir = workDir();
    Bun.gc(true);
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    try {
      await git.clone({
        fs,
        http: watched,
        dir,
        url: sshStandInUrl(big.sshUrl),
        singleBranch: true,
        depth: 1,
        noCheckout: true,
      });
    } finally {
      ssh.close();
    }
    const seconds = (performance.now() - started) / 1000;
    const total = pieces.reduce((a, b) => a + b, 0);
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    console.log(
      `ssh clone of ${(total / MiB).toFixed(1)} MiB: ${seconds.toFixed(2)} s, ${(total / MiB / seconds).toFixed(1)} MiB/s, ${pieces.length} pieces (largest ${(Math.max(...pieces) / 1024).toFixed(0)} KiB), RSS +${(rssGrowth / MiB).toFixed(0)} MiB`,
    );
    expect(total).toBeGreaterThan(40 * MiB);
    expect(pieces.length).toBeGreaterThan(100);
    expect(Math.max(...pieces)).toBeLessThanOrEqual(MiB);
    expect(await git.resolveRef({ fs, dir, ref: 'refs/remotes/origin/main' })).toBe(big.revParse('main'));
  }, 120_000);

  test('memory stays flat over repeated transfers on one connection (nothing keeps the chunks)', async () => {
    const http = sshGitHttpClient(pinned);
    const url = sshStandInUrl(big.sshUrl);
    try {
      const head = (await git.getRemoteInfo({ http, url })).refs?.heads?.main as string;
      const want = `want ${head} side-band-64k ofs-delta\n`;
      const request = Buffer.from(`${(want.length + 4).toString(16).padStart(4, '0')}${want}00000009done\n`);
      const transfer = async () => {
        const response = await http.request({
          url: `${url}/git-upload-pack`,
          method: 'POST',
          body: [request] as never,
        });
        let bytes = 0;
        for await (const piece of response.body ?? []) bytes += piece.byteLength;
        return bytes;
      };
      expect(await transfer()).toBeGreaterThan(40 * MiB);
      Bun.gc(true);
      const before = process.memoryUsage().rss;
      for (let round = 0; round < 3; round++) await transfer();
      Bun.gc(true);
      const growth = process.memoryUsage().rss - before;
      console.log(`3 more transfers of the 40 MiB pack: RSS +${(growth / MiB).toFixed(0)} MiB`);
      // 120 MiB went through; a leak of the pieces (as a race against a long-lived promise did) keeps most of it.
      expect(growth).toBeLessThan(40 * MiB);
    } finally {
      http.close();
    }
  }, 120_000);
});

describe('inside the compiled binary', () => {
  test('ssh2 and the transport list a repository under bun build --compile', async () => {
    const dir = workDir();
    writeFileSync(
      join(dir, 'entry.ts'),
      `import git from ${JSON.stringify(Bun.resolveSync('isomorphic-git', import.meta.dir))};
import { sshGitHttpClient, sshStandInUrl } from ${JSON.stringify(join(import.meta.dir, 'ssh-transport.ts'))};
const [url, keyFile, hostKey] = process.argv.slice(2);
const http = sshGitHttpClient({ privateKey: await Bun.file(keyFile).text(), knownHostKey: hostKey });
const info = await git.getRemoteInfo({ http, url: sshStandInUrl(url) });
http.close();
console.log(JSON.stringify(info.refs.heads));`,
    );
    const build = Bun.spawnSync(
      ['bun', 'build', '--compile', join(dir, 'entry.ts'), '--outfile', join(dir, 'entry')],
      {
        cwd: import.meta.dir,
      },
    );
    expect(build.exitCode).toBe(0);
    const run = Bun.spawnSync([join(dir, 'entry'), repo.sshUrl, bed.clientKeys.rsa, bed.hostPublicKey], {
      timeout: 30_000,
    });
    expect(run.stderr.toString()).toBe('');
    expect(JSON.parse(run.stdout.toString())).toEqual({ main: mainHead, feature: featureHead });
  }, 60_000);
});
