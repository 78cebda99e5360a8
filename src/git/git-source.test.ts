// Git sources against the test bed's real Git server (git http-backend behind nginx, basic
// auth): listing refs, resolving branches, tags and commits, shallow checkouts, and each way
// it can go wrong with its own code.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestRepo, type TestRepo } from '../testing/git-repos.ts';
import { testbed } from '../testing/testbed.ts';
import { checkout, type GitSource, listRemoteRefs, resolveRef } from './git-source.ts';

let repo: TestRepo;
let source: GitSource;
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
});
afterAll(() => {
  repo.remove();
  rmSync(scratch, { recursive: true, force: true });
});

describe('git sources over smart HTTP with basic auth', () => {
  test('lists branches and tags with their commits', async () => {
    const refs = await listRemoteRefs(source);
    expect(refs.branches.map((each) => each.name)).toEqual(['main', 'staging']);
    expect(refs.branches.find((each) => each.name === 'main')?.commit).toBe(second);
    expect(refs.tags).toEqual([{ name: 'v1', commit: first }]);
  });

  test('resolves a branch, a tag, full ref names and a commit', async () => {
    expect(await resolveRef(source, 'main')).toEqual({ ref: 'refs/heads/main', commit: second });
    expect(await resolveRef(source, 'refs/heads/main')).toEqual({ ref: 'refs/heads/main', commit: second });
    expect(await resolveRef(source, 'v1')).toEqual({ ref: 'refs/tags/v1', commit: first });
    expect(await resolveRef(source, first)).toEqual({ ref: null, commit: first });
  });

  test('checks a branch out shallow, with the commit author and message, and no .git left', async () => {
    const dir = join(scratch, 'branch');
    const info = await checkout(source, await resolveRef(source, 'main'), dir);
    expect(info.commit).toBe(second);
    expect(info.author).toBe('Windflow Test <test@windflow.test>');
    expect(info.message).toBe('second\n\nwith a body');
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('two\n');
    expect(existsSync(join(dir, 'app/compose.yaml'))).toBe(true);
    expect(existsSync(join(dir, '.git'))).toBe(false);
  });

  test('checks a tag and an older commit out', async () => {
    const tagged = await checkout(source, await resolveRef(source, 'v1'), join(scratch, 'tag'));
    expect(tagged.commit).toBe(first);
    expect(readFileSync(join(scratch, 'tag', 'README.md'), 'utf8')).toBe('one\n');
    const pinned = await checkout(source, { ref: null, commit: first }, join(scratch, 'commit'));
    expect(pinned.commit).toBe(first);
    expect(readFileSync(join(scratch, 'commit', 'README.md'), 'utf8')).toBe('one\n');
  });

  test('a wrong password, no credentials, a missing ref, a missing repository: each its own code', async () => {
    const wrong: GitSource = {
      url: repo.httpUrl,
      auth: { kind: 'basic', username: 'windflow', password: 'nope' },
    };
    await expect(listRemoteRefs(wrong)).rejects.toMatchObject({ code: 'GIT_AUTH_FAILED' });
    await expect(listRemoteRefs({ url: repo.httpUrl, auth: { kind: 'none' } })).rejects.toMatchObject({
      code: 'GIT_AUTH_FAILED',
      message: expect.stringContaining('needs credentials'),
    });
    await expect(resolveRef(source, 'no-such-branch')).rejects.toMatchObject({
      code: 'GIT_REF_NOT_FOUND',
      message: expect.stringContaining('branches: main, staging'),
    });
    await expect(
      listRemoteRefs({ ...source, url: `${testbed().gitHttp.url}/missing-${process.pid}.git` }),
    ).rejects.toMatchObject({ code: 'GIT_REPOSITORY_NOT_FOUND' });
    await expect(listRemoteRefs({ ...source, url: 'file:///etc' })).rejects.toMatchObject({
      code: 'GIT_URL_INVALID',
    });
    await expect(
      checkout(source, { ref: null, commit: 'f'.repeat(40) }, join(scratch, 'none')),
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
      await expect(
        checkout(
          { ...source, url: big.httpUrl },
          await resolveRef({ ...source, url: big.httpUrl }, 'main'),
          dir,
          20_000,
        ),
      ).rejects.toMatchObject({ code: 'REPOSITORY_TOO_LARGE', status: 413 });
      expect(existsSync(dir)).toBe(false);
    } finally {
      big.remove();
    }
  });
});
