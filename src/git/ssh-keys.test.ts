// Deploy keys and fingerprints, checked against OpenSSH's own ssh-keygen: the private key it can
// read gives the public key we show, and our fingerprints are the ones it prints.
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testbed } from '../testing/testbed.ts';
import { DEPLOY_KEY_COMMENT, generateDeployKey, parseSshPublicKey, publicKeyOfPrivate } from './ssh-keys.ts';

const dir = mkdtempSync(join(tmpdir(), 'wf-ssh-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keygen(...args: string[]): string {
  const run = Bun.spawnSync(['ssh-keygen', ...args]);
  if (run.exitCode !== 0) throw new Error(run.stderr.toString());
  return run.stdout.toString().trim();
}

describe('deploy keys', () => {
  for (const [kind, type, bits] of [
    ['ed25519', 'ssh-ed25519', '256'],
    ['rsa', 'ssh-rsa', '3072'],
  ] as const) {
    test(`${kind}: OpenSSH reads the private key, derives our public key and prints our fingerprint`, async () => {
      const key = await generateDeployKey(kind);
      expect(key.privateKey).toStartWith('-----BEGIN OPENSSH PRIVATE KEY-----');
      expect(key.publicKey).toMatch(new RegExp(`^${type} [A-Za-z0-9+/=]+ ${DEPLOY_KEY_COMMENT}$`));
      const file = join(dir, `id_${kind}`);
      writeFileSync(file, key.privateKey, { mode: 0o600 });
      expect(keygen('-y', '-f', file).split(' ').slice(0, 2)).toEqual(key.publicKey.split(' ').slice(0, 2));
      writeFileSync(`${file}.pub`, `${key.publicKey}\n`);
      const [size, fingerprint, comment] = keygen('-l', '-E', 'sha256', '-f', `${file}.pub`).split(' ');
      expect(size).toBe(bits);
      expect(comment).toBe(DEPLOY_KEY_COMMENT);
      expect(parseSshPublicKey(key.publicKey)?.fingerprint).toBe(fingerprint as string);
      const derived = publicKeyOfPrivate(key.privateKey);
      expect(derived instanceof Error ? derived.message : derived.fingerprint).toBe(fingerprint as string);
    });
  }

  test('every ed25519 key has a 32-byte public key (ssh2 alone makes a short one for about 1 in 256)', async () => {
    const keys = await Promise.all(Array.from({ length: 1500 }, () => generateDeployKey('ed25519')));
    const short = keys.filter((key) => parseSshPublicKey(key.publicKey)?.blob.length !== 4 + 11 + 4 + 32);
    expect(short.map((key) => key.publicKey)).toEqual([]);
  });

  test('two keys are never the same', async () => {
    const [a, b] = await Promise.all([generateDeployKey('ed25519'), generateDeployKey('ed25519')]);
    expect(a.publicKey).not.toBe(b.publicKey);
  });
});

describe('public keys as users paste them', () => {
  const host = testbed().gitSsh;

  test('a key line, with or without comment, and a known_hosts line', () => {
    for (const text of [
      host.hostPublicKey,
      `${host.hostPublicKey} root@server\n`,
      `[127.0.0.1]:2222 ${host.hostPublicKey}`,
      `github.com,140.82.121.4 ${host.hostPublicKey}`,
    ]) {
      expect(parseSshPublicKey(text)).toMatchObject({
        line: host.hostPublicKey,
        fingerprint: host.hostKeyFingerprint,
      });
    }
    expect(parseSshPublicKey(host.hostRsaPublicKey)?.type).toBe('ssh-rsa');
  });

  test('text that holds no key, or a key whose type does not match its blob', () => {
    const blob = host.hostPublicKey.split(' ')[1] as string;
    for (const text of ['', 'hello world', 'ssh-ed25519', `ssh-rsa ${blob}`, 'ssh-ed25519 !!!!']) {
      expect(parseSshPublicKey(text)).toBeUndefined();
    }
  });

  test('the fingerprint of the test bed client key is the one sshd logs (ssh-keygen -l)', () => {
    const derived = publicKeyOfPrivate(readFileSync(host.clientKeys.rsa, 'utf8'));
    const printed = keygen('-l', '-E', 'sha256', '-f', host.clientKeys.rsa).split(' ')[1];
    expect(derived instanceof Error ? derived.message : derived.fingerprint).toBe(printed as string);
  });
});
