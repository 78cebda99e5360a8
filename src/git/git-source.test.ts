// Git sources against the test bed's real Git server (git http-backend behind nginx, basic
// auth; OpenSSH for the session's one connection): listing refs, resolving branches, tags and
// commits, shallow checkouts, and each way it can go wrong with its own code.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestRepo, type TestRepo } from '../testing/git-repos.ts';
import { SshRelay } from '../testing/ssh-relay.ts';
import { testbed } from '../testing/testbed.ts';
import { GitSession, type GitSource, withGitSession } from './git-source.ts';

let repo: TestRepo;
let source: GitSource;
let session: GitSession;
let first: string;
let second: string;
const scratch = mkdtempSync(join(tmpdir(), 'windflow-git-source-'));

beforeAll(() => {
  repo = createTestRepo('source');
  first = repo.commit({ 'app/compose.yaml': 'services: {}\n', 'README.md': 'one\n' }, 'first', { tag: 'v1' });
  second = repo.commit({ 'README.md': 'two\n' }, 'second\n\nwith a body');
  repo.commit({ 'other.txt': 'x\n' }, 'on a branch', { branch: 'staging' });
  const { username, password } = testbed().gitHttp;
  source = { url: repo.httpUrl, auth: { kind: 'basic', username, password } };
  session = new GitSession(source);
});
afterAll(() => {
  session.close();
  repo.remove();
  rmSync(scratch, { recursive: true, force: true });
});

describe('git sources over smart HTTP with basic auth', () => {
  test('lists branches and tags with their commits', async () => {
    const refs = await session.listRemoteRefs();
    expect(refs.branches.map((each) => each.name)).toEqual(['main', 'staging']);
    expect(refs.branches.find((each) => each.name === 'main')?.commit).toBe(second);
    expect(refs.tags).toEqual([{ name: 'v1', commit: first }]);
  });

  test('resolves a branch, a tag, full ref names and a commit', async () => {
    expect(await session.resolveRef('main')).toEqual({ ref: 'refs/heads/main', commit: second });
    expect(await session.resolveRef('refs/heads/main')).toEqual({ ref: 'refs/heads/main', commit: second });
    expect(await session.resolveRef('v1')).toEqual({ ref: 'refs/tags/v1', commit: first });
    expect(await session.resolveRef(first)).toEqual({ ref: null, commit: first });
  });

  test('checks a branch out shallow, with the commit author and message, and no .git left', async () => {
    const dir = join(scratch, 'branch');
    const info = await session.checkout(await session.resolveRef('main'), dir);
    expect(info.commit).toBe(second);
    expect(info.author).toBe('Windflow Test <test@windflow.test>');
    expect(info.message).toBe('second\n\nwith a body');
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('two\n');
    expect(existsSync(join(dir, 'app/compose.yaml'))).toBe(true);
    expect(existsSync(join(dir, '.git'))).toBe(false);
  });

  test('checks a tag and an older commit out', async () => {
    const tagged = await session.checkout(await session.resolveRef('v1'), join(scratch, 'tag'));
    expect(tagged.commit).toBe(first);
    expect(readFileSync(join(scratch, 'tag', 'README.md'), 'utf8')).toBe('one\n');
    const pinned = await session.checkout({ ref: null, commit: first }, join(scratch, 'commit'));
    expect(pinned.commit).toBe(first);
    expect(readFileSync(join(scratch, 'commit', 'README.md'), 'utf8')).toBe('one\n');
  });

  test('a wrong password, no credentials, a missing ref, a missing repository: each its own code', async () => {
    const wrong: GitSource = {
      url: repo.httpUrl,
      auth: { kind: 'basic', username: 'windflow', password: 'nope' },
    };
    await expect(new GitSession(wrong).listRemoteRefs()).rejects.toMatchObject({ code: 'GIT_AUTH_FAILED' });
    await expect(
      new GitSession({ url: repo.httpUrl, auth: { kind: 'none' } }).listRemoteRefs(),
    ).rejects.toMatchObject({
      code: 'GIT_AUTH_FAILED',
      message: expect.stringContaining('needs credentials'),
    });
    await expect(session.resolveRef('no-such-branch')).rejects.toMatchObject({
      code: 'GIT_REF_NOT_FOUND',
      message: expect.stringContaining('branches: main, staging'),
    });
    await expect(
      new GitSession({
        ...source,
        url: `${testbed().gitHttp.url}/missing-${process.pid}.git`,
      }).listRemoteRefs(),
    ).rejects.toMatchObject({ code: 'GIT_REPOSITORY_NOT_FOUND' });
    await expect(
      withGitSession({ ...source, url: 'file:///etc' }, 1, (each) => each.listRemoteRefs()),
    ).rejects.toMatchObject({
      code: 'GIT_URL_INVALID',
    });
    await expect(
      session.checkout({ ref: null, commit: 'f'.repeat(40) }, join(scratch, 'none')),
    ).rejects.toMatchObject({
      code: 'GIT_REF_NOT_FOUND',
    });
    expect(existsSync(join(scratch, 'none'))).toBe(false);
  });

  test('a repository over the size limit fails as REPOSITORY_TOO_LARGE and leaves no folder', async () => {
    const big = createTestRepo('source-big');
    try {
      // Incompressible: what is sent is what is stored.
      big.commit(
        { 'blob.bin': Buffer.from(crypto.getRandomValues(new Uint8Array(60_000))).toString('base64') },
        'big',
      );
      const dir = join(scratch, 'big');
      // The limit is per operation: listing the refs does not count against the fetch.
      const limited = new GitSession({ ...source, url: big.httpUrl }, 20_000);
      await expect(limited.checkout(await limited.resolveRef('main'), dir)).rejects.toMatchObject({
        code: 'REPOSITORY_TOO_LARGE',
        status: 413,
      });
      expect(existsSync(dir)).toBe(false);
    } finally {
      big.remove();
    }
  });
});

describe('a session over SSH', () => {
  test('lists, resolves and checks out over one connection, closed at the end', async () => {
    const bed = testbed().gitSsh;
    const relay = new SshRelay();
    const port = await relay.listen();
    try {
      const over: GitSource = {
        url: `ssh://${bed.user}@${bed.host}:${port}${repo.path}`,
        auth: {
          kind: 'ssh',
          privateKey: readFileSync(bed.clientKeys.ed25519, 'utf8'),
          knownHostKey: bed.hostPublicKey,
        },
      };
      const info = await withGitSession(over, 1024 * 1024, async (ssh) => {
        expect((await ssh.listRemoteRefs()).branches.map((each) => each.name)).toEqual(['main', 'staging']);
        return ssh.checkout(await ssh.resolveRef('main'), join(scratch, 'over-ssh'));
      });
      expect(info.commit).toBe(second);
      expect(readFileSync(join(scratch, 'over-ssh', 'README.md'), 'utf8')).toBe('two\n');
      expect(relay.accepted).toBe(1);
      for (let attempt = 0; attempt < 500 && relay.sockets.size > 0; attempt++) await Bun.sleep(20);
      expect(relay.sockets.size).toBe(0);
    } finally {
      await relay.close();
    }
  });
});
