// The "From Git" form's connection rules: which URLs are SSH, the authentication a URL calls
// for, the host named in host-key questions, and that only the chosen credentials are sent.
import { describe, expect, test } from 'bun:test';
import { authForUrl, connectionOf, emptyDraft, hasKey, hostOf, repositoryName } from './gitConnection';

describe('URLs', () => {
  test('ssh:// and scp-like addresses call for an SSH key; http(s) and local paths do not', () => {
    for (const url of [
      'ssh://git@github.com/owner/repo.git',
      'SSH://git@host:2222/srv/git/repo.git',
      'git@github.com:owner/repo.git',
      ' git@gitlab.example.com:group/sub/repo ',
    ])
      expect(authForUrl(url, 'none')).toBe('ssh');
    for (const url of [
      'https://github.com/owner/repo.git',
      'http://user@host/repo.git',
      'https://host:8443/repo.git',
      '/srv/git/repo.git',
      'git@host',
      '',
    ])
      expect(authForUrl(url, 'basic')).toBe('basic');
  });

  test('an SSH URL switches to an SSH key, an https URL away from it, otherwise the choice stays', () => {
    expect(authForUrl('git@github.com:o/r.git', 'none')).toBe('ssh');
    expect(authForUrl('ssh://git@host/r.git', 'basic')).toBe('ssh');
    expect(authForUrl('https://host/r.git', 'ssh')).toBe('none');
    expect(authForUrl('https://host/r.git', 'basic')).toBe('basic');
    expect(authForUrl('https://host/r.git', 'none')).toBe('none');
    expect(authForUrl('gi', 'ssh')).toBe('ssh');
  });

  test('the host and the repository name come out of every form', () => {
    expect(hostOf('git@github.com:owner/repo.git')).toBe('github.com');
    expect(hostOf('ssh://git@127.0.0.1:2222/srv/repo.git')).toBe('127.0.0.1:2222');
    expect(hostOf('https://git.example.com/team/app.git')).toBe('git.example.com');
    expect(repositoryName('git@github.com:owner/app.git')).toBe('app');
    expect(repositoryName('git@host:app.git')).toBe('app');
    expect(repositoryName('ssh://git@host:22/team/app.git/')).toBe('app');
    expect(repositoryName('https://host/team/app')).toBe('app');
  });
});

describe('what is sent', () => {
  const generated = {
    kind: 'ed25519' as const,
    publicKey: 'ssh-ed25519 AAAA',
    fingerprint: 'SHA256:x',
    deployKey: 'sealed',
  };

  test('only the chosen authentication’s fields', () => {
    const draft = {
      ...emptyDraft(),
      url: ' https://host/r.git ',
      username: ' me ',
      password: 'token',
      privateKey: 'KEY',
      generated,
    };
    expect(connectionOf(draft)).toEqual({ url: 'https://host/r.git', auth: 'none' });
    expect(connectionOf({ ...draft, auth: 'basic' })).toEqual({
      url: 'https://host/r.git',
      auth: 'basic',
      username: 'me',
      secret: 'token',
    });
  });

  test('SSH: the generated key’s sealed token or the pasted key, and the trusted host key', () => {
    const draft = { ...emptyDraft(), url: 'git@host:r.git', auth: 'ssh' as const };
    expect(hasKey(draft)).toBe(false);
    expect(connectionOf({ ...draft, generated, knownHostKey: 'ssh-ed25519 HOST' })).toEqual({
      url: 'git@host:r.git',
      auth: 'ssh',
      deployKey: 'sealed',
      knownHostKey: 'ssh-ed25519 HOST',
    });
    const pasted = { ...draft, keySource: 'paste' as const, privateKey: '-----BEGIN…\n', generated };
    expect(hasKey(pasted)).toBe(true);
    expect(connectionOf(pasted)).toEqual({
      url: 'git@host:r.git',
      auth: 'ssh',
      secret: '-----BEGIN…\n',
      knownHostKey: null,
    });
    expect(connectionOf({ ...pasted, passphrase: 'pw' })).toMatchObject({ passphrase: 'pw' });
  });
});
