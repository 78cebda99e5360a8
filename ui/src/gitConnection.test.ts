// The "From Git" form's connection rules: which URLs are SSH, the authentication a URL calls
// for, the host named in host-key questions, and that only the chosen credentials are sent.
import { describe, expect, test } from 'bun:test';
import type { GitRepositoryView } from './api-git';
import {
  authForUrl,
  connectionOf,
  draftOf,
  emptyDraft,
  hasKey,
  hostOf,
  repositoryName,
} from './gitConnection';

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

describe('a saved repository', () => {
  const repository = (auth: GitRepositoryView['auth'], hasSecret = true): GitRepositoryView => ({
    id: 1,
    environmentId: 1,
    name: 'app',
    url: auth === 'ssh' ? 'git@host:team/app.git' : 'https://host/team/app.git',
    auth,
    username: auth === 'basic' ? 'me' : '',
    hasSecret,
    publicKey: auth === 'ssh' ? 'ssh-ed25519 AAAA windflow-deploy-key' : null,
    hostKeyFingerprint: auth === 'ssh' ? 'SHA256:pinned' : null,
    webhookPath: '/api/git/webhooks/x',
    stacks: 1,
    createdAt: '',
    updatedAt: '',
  });

  test('SSH: its key and pin are kept (left out) until replaced; a new pin or a forgotten one is sent', () => {
    const draft = draftOf(repository('ssh'));
    expect([draft.keySource, draft.knownHostFingerprint, hasKey(draft)]).toEqual([
      'keep',
      'SHA256:pinned',
      true,
    ]);
    expect(connectionOf(draft)).toEqual({ url: 'git@host:team/app.git', auth: 'ssh' });
    expect(connectionOf({ ...draft, knownHostKey: null })).toEqual({
      url: 'git@host:team/app.git',
      auth: 'ssh',
      knownHostKey: null,
    });
    const generated = {
      kind: 'rsa' as const,
      publicKey: 'ssh-rsa AAAA',
      fingerprint: 'SHA256:n',
      deployKey: 'new',
    };
    expect(connectionOf({ ...draft, keySource: 'generate', generated })).toMatchObject({ deployKey: 'new' });
  });

  test('basic: the stored password is kept while none is typed; another authentication needs its own secret', () => {
    const draft = draftOf(repository('basic'));
    expect(connectionOf(draft)).toEqual({ url: 'https://host/team/app.git', auth: 'basic', username: 'me' });
    expect(connectionOf({ ...draft, password: 'new' })).toMatchObject({ secret: 'new' });
    const toSsh = { ...draft, url: 'git@host:team/app.git', auth: 'ssh' as const };
    expect([toSsh.keySource, hasKey(toSsh)]).toEqual(['generate', false]);
    const fromNone = draftOf(repository('none', false));
    expect(connectionOf({ ...fromNone, auth: 'basic', username: 'me' })).toMatchObject({ secret: '' });
  });
});
