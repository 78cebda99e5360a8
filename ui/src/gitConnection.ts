// A repository connection as the "From Git" form edits it: the URL, how to authenticate (none,
// user and token, or an SSH key made here or pasted), and the SSH host key pinned so far; and
// what of it goes to the API. Pure, so the rules are tested without a browser.
import { isSshUrl, parseSshUrl } from '../../src/git/ssh-url.ts';
import type { Connection, GeneratedDeployKey, GitAuthChoice } from './api-git';

export interface ConnectionDraft {
  url: string;
  auth: GitAuthChoice;
  /** basic */
  username: string;
  /** basic: password or token */
  password: string;
  /** ssh: where the private key comes from */
  keySource: 'generate' | 'paste';
  /** ssh: the deploy key made by "Generate deploy key" */
  generated: GeneratedDeployKey | null;
  /** ssh: a pasted private key and its passphrase */
  privateKey: string;
  passphrase: string;
  /** ssh: the host key trusted so far (OpenSSH line) and its fingerprint, to show */
  knownHostKey: string | null;
  knownHostFingerprint: string | null;
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
  };
}

/** The authentication a URL calls for when the one chosen cannot work with it. */
export function authForUrl(url: string, auth: GitAuthChoice): GitAuthChoice {
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
  return draft.keySource === 'generate' ? draft.generated !== null : draft.privateKey.trim().length > 0;
}

/** What the API is sent: only the fields of the chosen authentication. */
export function connectionOf(draft: ConnectionDraft): Connection {
  const url = draft.url.trim();
  if (draft.auth === 'basic')
    return { url, auth: 'basic', username: draft.username.trim(), secret: draft.password };
  if (draft.auth !== 'ssh') return { url, auth: 'none' };
  const key =
    draft.keySource === 'generate'
      ? { deployKey: draft.generated?.deployKey }
      : { secret: draft.privateKey, ...(draft.passphrase ? { passphrase: draft.passphrase } : {}) };
  return { url, auth: 'ssh', ...key, knownHostKey: draft.knownHostKey };
}
