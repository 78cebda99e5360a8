// A repository connection as the forms edit it (a new repository, or a saved one's): the URL,
// how to authenticate (none, user and token, or an SSH key made here, pasted or kept), and the
// SSH host key pinned so far; and what of it goes to the API. A saved repository's password, key
// and pin are kept unless changed. Pure, so the rules are tested without a browser.
import { isSshUrl, parseSshUrl } from '../../src/git/ssh-url.ts';
import type { Connection, DeployKeyView, GitAuthKind, GitRepositoryView } from './api-git';

export interface ConnectionDraft {
  url: string;
  auth: GitAuthKind;
  /** basic */
  username: string;
  /** basic: password or token */
  password: string;
  /** ssh: where the private key comes from ('keep': the saved repository's) */
  keySource: 'keep' | 'generate' | 'paste';
  /** ssh: the deploy key made by "Generate deploy key" */
  generated: DeployKeyView | null;
  /** ssh: a pasted private key and its passphrase */
  privateKey: string;
  passphrase: string;
  /** ssh: the host key trusted (OpenSSH line; undefined: the saved one) and its fingerprint, to show */
  knownHostKey: string | null | undefined;
  knownHostFingerprint: string | null;
  /** A saved repository's: the authentication whose secret (password, token or key) is stored. */
  stored: GitAuthKind | null;
}

export function emptyDraft(): ConnectionDraft {
  return {
    url: '',
    auth: 'none',
    username: '',
    password: '',
    keySource: 'generate',
    generated: null,
    privateKey: '',
    passphrase: '',
    knownHostKey: null,
    knownHostFingerprint: null,
    stored: null,
  };
}

/** A saved repository's connection to change: what is stored is kept until replaced. */
export function draftOf(repository: GitRepositoryView): ConnectionDraft {
  const stored = repository.hasSecret ? repository.auth : null;
  return {
    ...emptyDraft(),
    url: repository.url,
    auth: repository.auth,
    username: repository.username,
    keySource: stored === 'ssh' ? 'keep' : 'generate',
    knownHostKey: undefined,
    knownHostFingerprint: repository.hostKeyFingerprint,
    stored,
  };
}

/** Whether the stored password (basic) is kept: it is, when none is typed. */
export function keepsPassword(draft: ConnectionDraft): boolean {
  return draft.stored === 'basic' && draft.password === '';
}

/** The authentication a URL calls for when the one chosen cannot work with it. */
export function authForUrl(url: string, auth: GitAuthKind): GitAuthKind {
  if (isSshUrl(url.trim())) return 'ssh';
  if (auth === 'ssh' && /^https?:\/\//i.test(url.trim())) return 'none';
  return auth;
}

/** The host (and port) part of a repository URL, to name the server in messages. */
export function hostOf(url: string): string {
  const trimmed = url.trim();
  try {
    if (!isSshUrl(trimmed)) return new URL(trimmed).host;
    const { host, port } = parseSshUrl(trimmed);
    return port === 22 ? host : `${host}:${port}`;
  } catch {
    return trimmed;
  }
}

/** The repository's last path segment without `.git`: a default name for it and its stack. */
export function repositoryName(url: string): string {
  return (
    url
      .trim()
      .replace(/\/+$/, '')
      .split(/[/:]/)
      .pop()
      ?.replace(/\.git$/, '') ?? ''
  );
}

/** Whether the draft names the key to log in with (ssh), so a test can be run. */
export function hasKey(draft: ConnectionDraft): boolean {
  if (draft.keySource === 'keep') return draft.stored === 'ssh';
  return draft.keySource === 'generate' ? draft.generated !== null : draft.privateKey.trim().length > 0;
}

/** What the API is sent: only the fields of the chosen authentication. */
export function connectionOf(draft: ConnectionDraft): Connection {
  const url = draft.url.trim();
  if (draft.auth === 'basic')
    return {
      url,
      auth: 'basic',
      username: draft.username.trim(),
      ...(keepsPassword(draft) ? {} : { secret: draft.password }),
    };
  if (draft.auth !== 'ssh') return { url, auth: 'none' };
  const key =
    draft.keySource === 'keep'
      ? {}
      : draft.keySource === 'generate'
        ? { deployKey: draft.generated?.deployKey }
        : { secret: draft.privateKey, ...(draft.passphrase ? { passphrase: draft.passphrase } : {}) };
  const pin = draft.knownHostKey === undefined ? {} : { knownHostKey: draft.knownHostKey };
  return { url, auth: 'ssh', ...key, ...pin };
}
