// Bare repositories in the test bed's Git servers (served over SSH and smart HTTP from one
// folder), made and changed with Debian's git as a user's machine would push to them. Each test
// names its repositories uniquely and removes them.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { testbed } from './testbed.ts';

export interface TestRepo {
  /** Repository folder name, `<name>.git`. */
  name: string;
  /** Path of the bare repository on this machine. */
  path: string;
  /** `ssh://user@127.0.0.1:port/…/<name>.git` on the test bed's sshd. */
  sshUrl: string;
  /** `http://127.0.0.1:port/git/<name>.git` on the test bed's git http-backend (basic auth). */
  httpUrl: string;
  /** Commits `files` (path → content; null removes the file) on `branch` and pushes; returns the new commit's hash. */
  commit(
    files: Record<string, string | Uint8Array | null>,
    message: string,
    options?: { branch?: string; tag?: string },
  ): string;
  /** The hash `ref` points at in the bare repository. */
  revParse(ref: string): string;
  remove(): void;
}

// No zlib: test content is small or random (a 200 MB random file packs in seconds, not tens).
const gitOptions = [
  '-c',
  'user.name=Windflow Test',
  '-c',
  'user.email=test@windflow.test',
  '-c',
  'core.compression=0',
];

export function git(cwd: string, ...args: string[]): string {
  const run = Bun.spawnSync(['git', ...gitOptions, ...args], { cwd, stderr: 'pipe' });
  if (run.exitCode !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr.toString()}`);
  return run.stdout.toString().trim();
}

/** A new bare repository whose default branch is `main`, with no commits. */
export function createTestRepo(prefix: string): TestRepo {
  const bed = testbed().gitSsh;
  const name = `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}.git`;
  const path = join(bed.reposDir, name);
  mkdirSync(bed.reposDir, { recursive: true });
  git(bed.reposDir, 'init', '-q', '--bare', '--initial-branch=main', name);
  const work = mkdtempSync(join(tmpdir(), 'wf-git-work-'));
  git(work, 'init', '-q', '--initial-branch=main');
  git(work, 'remote', 'add', 'origin', path);
  let lastBranch = 'main';
  return {
    name,
    path,
    sshUrl: `ssh://${bed.user}@${bed.host}:${bed.port}${path}`,
    httpUrl: `${testbed().gitHttp.url}/${name}`,
    commit(files, message, options = {}) {
      const branch = options.branch ?? 'main';
      if (branch !== lastBranch) {
        const exists =
          Bun.spawnSync(['git', 'rev-parse', '--verify', '-q', branch], { cwd: work }).exitCode === 0;
        git(work, 'checkout', '-q', ...(exists ? [branch] : ['-b', branch]));
        lastBranch = branch;
      }
      for (const [file, content] of Object.entries(files)) {
        if (content === null) {
          rmSync(join(work, file));
          continue;
        }
        mkdirSync(dirname(join(work, file)), { recursive: true });
        writeFileSync(join(work, file), content);
      }
      git(work, 'add', '-A');
      git(work, 'commit', '-q', '-m', message);
      const pushed = [`${branch}:refs/heads/${branch}`];
      if (options.tag) {
        git(work, 'tag', '-a', options.tag, '-m', `tag ${options.tag}`);
        pushed.push(`refs/tags/${options.tag}`);
      }
      git(work, 'push', '-q', 'origin', ...pushed);
      return git(work, 'rev-parse', 'HEAD');
    },
    revParse: (ref) => git(path, 'rev-parse', ref),
    remove() {
      rmSync(path, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/**
 * Lets `publicKey` log in to the test bed's Git server, as a user adds a deploy key on GitHub;
 * returns the function that takes it away again.
 */
export function authorizeDeployKey(publicKey: string): () => void {
  const file = testbed().gitSsh.deployKeysFile;
  const line = publicKey.trim();
  appendFileSync(file, `${line}\n`);
  return () => {
    const kept = readFileSync(file, 'utf8')
      .split('\n')
      .filter((each) => each && each !== line);
    writeFileSync(file, kept.map((each) => `${each}\n`).join(''));
  };
}
