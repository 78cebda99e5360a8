// Git's SSH address forms, read as git-clone(1) reads them ("GIT URLS"), and the stand-in URLs
// isomorphic-git carries.
import { describe, expect, test } from 'bun:test';
import { GitSshError } from './ssh-errors.ts';
import { isSshUrl, parseSshUrl, parseStandInRequest, shellQuote, sshStandInUrl } from './ssh-url.ts';

describe('SSH addresses', () => {
  test.each([
    [
      'ssh://git@github.com/owner/repo.git',
      { user: 'git', host: 'github.com', port: 22, path: '/owner/repo.git' },
    ],
    [
      'ssh://deploy@git.example.com:2222/srv/repos/x.git',
      { user: 'deploy', host: 'git.example.com', port: 2222, path: '/srv/repos/x.git' },
    ],
    ['git+ssh://git@host/x.git', { user: 'git', host: 'host', port: 22, path: '/x.git' }],
    ['ssh+git://git@host/x.git', { user: 'git', host: 'host', port: 22, path: '/x.git' }],
    ['ssh://host/x.git', { user: 'git', host: 'host', port: 22, path: '/x.git' }],
    ['ssh://git@[::1]:2222/srv/x.git', { user: 'git', host: '::1', port: 2222, path: '/srv/x.git' }],
    ['ssh://git@host/~/x.git', { user: 'git', host: 'host', port: 22, path: '~/x.git' }],
    ['ssh://git@host/~alice/x.git', { user: 'git', host: 'host', port: 22, path: '~alice/x.git' }],
    ['git@github.com:owner/repo.git', { user: 'git', host: 'github.com', port: 22, path: 'owner/repo.git' }],
    ['git@host:/srv/x.git', { user: 'git', host: 'host', port: 22, path: '/srv/x.git' }],
    ['host:x.git', { user: 'git', host: 'host', port: 22, path: 'x.git' }],
    ['git@[::1]:x.git', { user: 'git', host: '::1', port: 22, path: 'x.git' }],
    ['git@host:~/x.git', { user: 'git', host: 'host', port: 22, path: '~/x.git' }],
  ])('%s', (url, address) => {
    expect(isSshUrl(url)).toBe(true);
    expect(parseSshUrl(url)).toEqual(address);
  });

  test.each([
    'https://github.com/owner/repo.git',
    'http://host/x.git',
    'file:///srv/x.git',
    '/srv/x.git',
    './x:y',
    'C:\\repos\\x.git',
    'x.git',
  ])('%s is not SSH', (url) => {
    expect(isSshUrl(url)).toBe(false);
  });

  test.each([
    ['ssh://git@host', 'no repository path'],
    ['ssh://git@host/', 'no repository path'],
    ['ssh://git@host:0/x', 'port'],
    ['ssh://git@host:70000/x', 'port'],
    ['ssh://git:secret@host/x', 'no password'],
    ['ssh://git@-oProxyCommand=x/x', 'host name'],
    ['ssh://git@host/x y', 'spaces'],
    ['git@host:', 'no repository path'],
    ['https://host/x', 'use ssh://'],
  ])('%s is refused: %s', (url, why) => {
    expect(() => parseSshUrl(url)).toThrow(GitSshError);
    expect(() => parseSshUrl(url)).toThrow(why);
  });
});

test('the stand-in URL carries the address through the requests isomorphic-git makes', () => {
  const url = 'git@host:owner/re po!.git'.replace(' ', '');
  const standIn = sshStandInUrl(url);
  expect(standIn).toStartWith('http://git-over-ssh.invalid/');
  expect(parseStandInRequest(`${standIn}/info/refs?service=git-upload-pack`)).toEqual({
    address: parseSshUrl(url),
    url,
    service: 'git-upload-pack',
    advertisement: true,
  });
  expect(parseStandInRequest(`${standIn}/git-upload-pack`)?.advertisement).toBe(false);
  expect(parseStandInRequest('https://github.com/x/y.git/info/refs?service=git-upload-pack')).toBeUndefined();
});

test('paths are quoted as git quotes them for git-shell (sq_quote_buf)', () => {
  expect(shellQuote('/srv/x.git')).toBe("'/srv/x.git'");
  expect(shellQuote("it's!.git")).toBe("'it'\\''s'\\!'.git'");
});
