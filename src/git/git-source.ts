// A Git source: where a repository is and how to authenticate to it, and the three things
// Windflow does with one — list its branches and tags ("test connection"), resolve a branch, tag
// or commit to follow, and check one commit out into a folder (shallow where it can be) — done
// in a GitSession, so a deploy's listing and fetch share one connection. The carrier is an
// isomorphic-git `http` plugin, picked in one place (`carrierOf`): Bun's fetch
// for http(s) URLs, the SSH transport (ssh-transport.ts, a deploy key and a pinned host key) for
// ssh:// and scp-like addresses. Every failure is an HttpError or a GitSshError with a stable
// code: GIT_AUTH_FAILED, GIT_REF_NOT_FOUND, GIT_UNREACHABLE, GIT_URL_INVALID,
// REPOSITORY_TOO_LARGE, UNKNOWN_HOST_KEY, SSH_AUTH_FAILED…
import * as fs from 'node:fs';
import { rm } from 'node:fs/promises';
import git, { type HttpClient } from 'isomorphic-git';
import { HttpError } from '../http/errors.ts';
import { fetchHttpClient, limitedHttp } from './http-client.ts';
import { GitSshError } from './ssh-errors.ts';
import { isSshUrl, parseSshUrl, type SshAuth, sshGitHttpClient, sshStandInUrl } from './ssh-transport.ts';

export type GitAuth =
  | { kind: 'none' }
  | { kind: 'basic'; username: string; password: string }
  | ({ kind: 'ssh' } & SshAuth);

export interface GitSource {
  url: string;
  auth: GitAuth;
}

export interface RemoteRefs {
  /** The branch HEAD points at, when the server says. */
  defaultBranch: string | null;
  branches: { name: string; commit: string }[];
  tags: { name: string; commit: string }[];
}

/** What a ref resolved to: the full ref name (or none for a commit) and its commit. */
export interface ResolvedRef {
  ref: string | null;
  commit: string;
}

export interface CommitInfo {
  commit: string;
  author: string;
  message: string;
  /** ISO time the commit was authored. */
  date: string;
}

/** 64 MiB unless configured: isomorphic-git holds a fetch's pack in memory. */
export const DEFAULT_MAX_CHECKOUT_BYTES = 64 * 1024 * 1024;

const COMMIT = /^[0-9a-f]{40}$/;

export function isCommitHash(ref: string): boolean {
  return COMMIT.test(ref);
}

/**
 * Refuses what is not an http(s), ssh:// or scp-like (`git@host:owner/repo.git`) address, and a
 * credential in an http(s) URL: it belongs in the auth.
 */
export function assertGitUrl(url: string): void {
  if (isSshUrl(url)) {
    parseSshUrl(url);
    return;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HttpError(400, 'GIT_URL_INVALID', `"${url}" is not a repository URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new HttpError(
      400,
      'GIT_URL_INVALID',
      `Repository URLs start with https://, http:// or ssh:// (or read user@host:path), not ${parsed.protocol}`,
    );
  if (parsed.username || parsed.password)
    throw new HttpError(
      400,
      'GIT_URL_INVALID',
      'Put the user name and token in the credentials, not in the URL',
    );
}

/** A source's carrier: the plugin, the URL isomorphic-git is given, and its end. */
interface Carrier {
  http: HttpClient;
  url: string;
  headers: Record<string, string>;
  close(): void;
}

function carrierOf(source: GitSource): Carrier {
  assertGitUrl(source.url);
  if (source.auth.kind === 'ssh') {
    const client = sshGitHttpClient(source.auth);
    return { http: client, url: sshStandInUrl(source.url), headers: {}, close: () => client.close() };
  }
  const headers: Record<string, string> = { 'user-agent': 'git/windflow' };
  if (source.auth.kind === 'basic')
    headers.authorization = `Basic ${Buffer.from(`${source.auth.username}:${source.auth.password}`).toString('base64')}`;
  return { http: fetchHttpClient, url: source.url, headers, close: () => {} };
}

/**
 * A source opened for one piece of work — list its refs ("test connection"), resolve a branch,
 * tag or commit, check one commit out — over one carrier: an SSH source logs in once for all of
 * them. Each operation downloads at most `maxBytes`.
 */
export class GitSession {
  private readonly carrier: Carrier;

  constructor(
    readonly source: GitSource,
    private readonly maxBytes = DEFAULT_MAX_CHECKOUT_BYTES,
  ) {
    this.carrier = carrierOf(source);
  }

  /** Ends the carrier (an SSH connection is also closed when idle). */
  close(): void {
    this.carrier.close();
  }

  async listRemoteRefs(): Promise<RemoteRefs> {
    const refs = await this.operation(({ http, url, headers }) =>
      git.listServerRefs({ http, url, headers, protocolVersion: 1, symrefs: true, peelTags: true }),
    );
    const head = refs.find((each) => each.ref === 'HEAD')?.target;
    const branches = refs
      .filter((each) => each.ref.startsWith('refs/heads/'))
      .map((each) => ({ name: each.ref.slice('refs/heads/'.length), commit: each.oid }));
    const tags = refs
      .filter((each) => each.ref.startsWith('refs/tags/') && !each.ref.endsWith('^{}'))
      .map((each) => ({ name: each.ref.slice('refs/tags/'.length), commit: each.peeled ?? each.oid }));
    return {
      defaultBranch: head?.startsWith('refs/heads/') ? head.slice('refs/heads/'.length) : null,
      branches: branches.sort((a, b) => a.name.localeCompare(b.name)),
      tags: tags.sort((a, b) => a.name.localeCompare(b.name)),
    };
  }

  /** A branch or tag name (or a full refs/… name) to its commit now; a commit hash stays itself. */
  async resolveRef(ref: string): Promise<ResolvedRef> {
    if (isCommitHash(ref)) return { ref: null, commit: ref };
    const refs = await this.listRemoteRefs();
    const short = ref.replace(/^refs\/(heads|tags)\//, '');
    const branch = !ref.startsWith('refs/tags/') && refs.branches.find((each) => each.name === short);
    if (branch) return { ref: `refs/heads/${branch.name}`, commit: branch.commit };
    const tag = !ref.startsWith('refs/heads/') && refs.tags.find((each) => each.name === short);
    if (tag) return { ref: `refs/tags/${tag.name}`, commit: tag.commit };
    const known = refs.branches.map((each) => each.name).slice(0, 10);
    throw new HttpError(
      400,
      'GIT_REF_NOT_FOUND',
      `The repository has no branch or tag "${ref}"${known.length ? ` (branches: ${known.join(', ')})` : ''}`,
    );
  }

  /**
   * Checks `target` out into `dir` (which must not exist) and returns its commit. A branch or tag
   * is fetched shallow (depth 1); a commit hash needs the history that holds it. Only the work
   * tree is kept: the .git folder goes once the commit is read.
   */
  async checkout(target: ResolvedRef, dir: string): Promise<CommitInfo> {
    try {
      await this.operation(async ({ http, url, headers }) => {
        // Fetched into a bare init, then the commit checked out by hash: the same path for a
        // branch and a tag (clone's own checkout looks for a tag under the remote's branches).
        await git.init({ fs, dir, defaultBranch: 'windflow' });
        await git.addRemote({ fs, dir, remote: 'origin', url });
        await git.fetch({
          fs,
          http,
          dir,
          remote: 'origin',
          headers,
          ...(target.ref ? { remoteRef: target.ref, ref: target.ref, depth: 1, singleBranch: true } : {}),
          tags: false,
        });
        await git.checkout({ fs, dir, ref: target.commit, force: true });
      });
      const head = target.commit;
      const { commit } = await git.readCommit({ fs, dir, oid: head });
      await rm(`${dir}/.git`, { recursive: true, force: true });
      return {
        commit: head,
        author: `${commit.author.name} <${commit.author.email}>`,
        message: commit.message.trim(),
        date: new Date(commit.author.timestamp * 1000).toISOString(),
      };
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** One operation on the carrier, with its own byte count, its failures explained. */
  private operation<T>(work: (carrier: Carrier) => Promise<T>): Promise<T> {
    const carrier = { ...this.carrier, http: limitedHttp(this.carrier.http, this.maxBytes) };
    return explain(this.source, () => work(carrier));
  }
}

/** Opens a session on the source, runs `work` on it and always closes it. */
export async function withGitSession<T>(
  source: GitSource,
  maxBytes: number,
  work: (session: GitSession) => Promise<T>,
): Promise<T> {
  const session = new GitSession(source, maxBytes);
  try {
    return await work(session);
  } finally {
    session.close();
  }
}

/** isomorphic-git's errors as Windflow's. */
async function explain<T>(source: GitSource, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof HttpError || error instanceof GitSshError) throw error;
    const code = (error as { code?: string }).code;
    const data = (error as { data?: { statusCode?: number } }).data;
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'HttpError' && (data?.statusCode === 401 || data?.statusCode === 403))
      throw new HttpError(
        400,
        'GIT_AUTH_FAILED',
        source.auth.kind === 'none'
          ? `${source.url} needs credentials (the server answered ${data.statusCode})`
          : `${source.url} refused the credentials (the server answered ${data.statusCode})`,
      );
    if (code === 'HttpError' && data?.statusCode === 404)
      throw new HttpError(400, 'GIT_REPOSITORY_NOT_FOUND', `No repository at ${source.url}`);
    if (code === 'NotFoundError' || code === 'CommitNotFetchedError')
      throw new HttpError(400, 'GIT_REF_NOT_FOUND', `The repository has no such ref or commit: ${message}`);
    throw new HttpError(502, 'GIT_UNREACHABLE', `Could not fetch from ${source.url}: ${message}`);
  }
}
