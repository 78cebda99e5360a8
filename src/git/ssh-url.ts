// Git's SSH addresses and the stand-in URLs isomorphic-git carries for them. isomorphic-git only
// speaks smart HTTP, so an SSH repository is handed to it as an http URL on a reserved name
// (`.invalid` never resolves, so a stand-in given to the HTTP client by mistake fails at once)
// whose path holds the original address; the SSH client (ssh-transport.ts) reads it back.
import { GitSshError } from './ssh-errors.ts';

export interface SshGitAddress {
  user: string;
  /** Host name or IP address, without brackets. */
  host: string;
  port: number;
  /** As git sends it to git-upload-pack: absolute (`/srv/x.git`), home-relative (`x.git`) or `~/x.git`. */
  path: string;
}

/** The login Git hosts use (GitHub, GitLab, Gitea, Bitbucket) when the address names none. */
export const DEFAULT_SSH_USER = 'git';
const STAND_IN_PREFIX = 'http://git-over-ssh.invalid/';

const SSH_SCHEME = /^(?:ssh|git\+ssh|ssh\+git):\/\//i;

/** `ssh://…`, `git+ssh://…` or scp-like `[user@]host:path` (git-clone(1) "shorter scp-like syntax"). */
export function isSshUrl(url: string): boolean {
  if (SSH_SCHEME.test(url)) return true;
  if (url.includes('://')) return false;
  const colon = scpColon(url);
  return colon > 0 && !/^[A-Za-z]$/.test(url.slice(0, colon)); // `C:\…` is a Windows path
}

/** The colon that ends an scp-like host part (after a bracketed IPv6 host), if it comes before any slash. */
function scpColon(url: string): number {
  const at = url.lastIndexOf('@', url.indexOf(':') === -1 ? undefined : url.indexOf(':'));
  const hostStart = at + 1;
  const colon = url[hostStart] === '[' ? url.indexOf(']:', hostStart) + 1 : url.indexOf(':', hostStart);
  if (colon <= 0) return -1;
  const slash = url.indexOf('/');
  return slash !== -1 && slash < colon ? -1 : colon;
}

/** Parses an SSH address the way git does; throws SSH_URL_INVALID with the reason. */
export function parseSshUrl(url: string): SshGitAddress {
  const invalid = (why: string) =>
    new GitSshError('SSH_URL_INVALID', `"${url}" is not a usable SSH repository address: ${why}`);
  if (/[\s\0]/.test(url)) throw invalid('it contains spaces or control characters');
  let userHost: string;
  let port = 22;
  let path: string;
  const scheme = SSH_SCHEME.exec(url);
  if (scheme) {
    const rest = url.slice(scheme[0].length);
    const slash = rest.indexOf('/');
    if (slash === -1) throw invalid('it names no repository path');
    let authority = rest.slice(0, slash);
    path = rest.slice(slash);
    // ssh://host/~/x and ssh://host/~user/x are relative to a home directory, as git reads them.
    if (path.startsWith('/~')) path = path.slice(1);
    const portMatch = /:(\d*)$/.exec(authority.replace(/\[[^\]]*\]/, (v) => '_'.repeat(v.length)));
    if (portMatch) {
      if (portMatch[1]) {
        port = Number(portMatch[1]);
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid('the port is not 1-65535');
      }
      authority = authority.slice(0, portMatch.index);
    }
    userHost = authority;
  } else {
    if (!isSshUrl(url)) throw invalid('use ssh://user@host[:port]/path or user@host:path');
    const colon = scpColon(url);
    userHost = url.slice(0, colon);
    path = url.slice(colon + 1);
  }
  const at = userHost.lastIndexOf('@');
  const user = at === -1 ? DEFAULT_SSH_USER : decodeURIComponent(userHost.slice(0, at));
  let host = userHost.slice(at + 1);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (user.includes(':')) throw invalid('SSH addresses carry no password; use a deploy key');
  if (!user) throw invalid('the user name is empty');
  if (!host || host.startsWith('-') || /[/@[\]]/.test(host)) throw invalid('the host name is not valid');
  if (!path || path === '/') throw invalid('it names no repository path');
  return { user, host, port, path };
}

/** The http URL to give isomorphic-git (`url` of clone, fetch, getRemoteInfo) for an SSH address. */
export function sshStandInUrl(url: string): string {
  parseSshUrl(url);
  return `${STAND_IN_PREFIX}${encodeURIComponent(url)}`;
}

export function isSshStandInUrl(url: string): boolean {
  return url.startsWith(STAND_IN_PREFIX);
}

/**
 * The SSH address and Git service of a request isomorphic-git makes on a stand-in URL:
 * `GET <stand-in>/info/refs?service=git-upload-pack` or `POST <stand-in>/git-upload-pack`.
 */
export function parseStandInRequest(
  requestUrl: string,
): { address: SshGitAddress; url: string; service: string; advertisement: boolean } | undefined {
  if (!isSshStandInUrl(requestUrl)) return undefined;
  const match = /^([^/?]+)\/(?:info\/refs\?service=([a-z-]+)|([a-z-]+))$/.exec(
    requestUrl.slice(STAND_IN_PREFIX.length),
  );
  if (!match) return undefined;
  const url = decodeURIComponent(match[1] as string);
  return {
    address: parseSshUrl(url),
    url,
    service: (match[2] ?? match[3]) as string,
    advertisement: match[2] !== undefined,
  };
}

/** `'path'` quoted for the remote shell as git does (sq_quote_buf), which git-shell un-quotes. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, "'\\''").replace(/!/g, "'\\!'")}'`;
}
