// SSH keys for Git sources: deploy keys made here (OpenSSH formats, so the private key also works
// with ssh and the public key pastes into GitHub, GitLab or Gitea as a deploy key) and the one
// place that turns a public key into the text users compare: its OpenSSH line and its SHA256
// fingerprint exactly as `ssh-keygen -l` prints it. The SSH transport pins host keys with these.
import { createHash } from 'node:crypto';
import { utils } from 'ssh2';

export type DeployKeyKind = 'ed25519' | 'rsa';

export interface DeployKey {
  /** `-----BEGIN OPENSSH PRIVATE KEY-----`, unencrypted: Windflow seals it at rest itself. */
  privateKey: string;
  /** `ssh-ed25519 AAAA… windflow-deploy-key`, ready to paste as a deploy key. */
  publicKey: string;
}

export const DEPLOY_KEY_COMMENT = 'windflow-deploy-key';
/** What `ssh-keygen -t rsa` makes today; every Git host accepts it. */
const RSA_BITS = 3072;

/** An ed25519 public key blob: its type name and 32 bytes, each behind a 4-byte length. */
const ED25519_BLOB_BYTES = 4 + 'ssh-ed25519'.length + 4 + 32;

/**
 * Makes a key pair off the event loop (an RSA key takes a few hundred milliseconds). ssh2 writes
 * an ed25519 key whose public half starts with a zero byte one byte short (about 1 key in 256),
 * which OpenSSH and Git hosts refuse: such a pair is thrown away and made again.
 */
export async function generateDeployKey(
  kind: DeployKeyKind,
  comment = DEPLOY_KEY_COMMENT,
): Promise<DeployKey> {
  for (;;) {
    const key = await generatePair(kind, comment);
    if (kind !== 'ed25519' || parseSshPublicKey(key.publicKey)?.blob.length === ED25519_BLOB_BYTES)
      return key;
  }
}

function generatePair(kind: DeployKeyKind, comment: string): Promise<DeployKey> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, pair: { private: string; public: string }) => {
      if (error) reject(error);
      else resolve({ privateKey: pair.private, publicKey: pair.public });
    };
    if (kind === 'rsa') utils.generateKeyPair('rsa', { bits: RSA_BITS, comment }, done);
    else utils.generateKeyPair('ed25519', { comment }, done);
  });
}

/** `SHA256:` and the unpadded base64 of the key blob's SHA-256, as `ssh-keygen -l -E sha256`. */
export function sshFingerprint(keyBlob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key's algorithm name, the first string inside its wire-format blob (`ssh-ed25519`, `ssh-rsa`). */
export function sshKeyType(keyBlob: Uint8Array): string | undefined {
  if (keyBlob.length < 4) return undefined;
  const length = new DataView(keyBlob.buffer, keyBlob.byteOffset, keyBlob.byteLength).getUint32(0);
  if (length === 0 || length > 64 || 4 + length > keyBlob.length) return undefined;
  const type = Buffer.from(keyBlob.subarray(4, 4 + length)).toString('latin1');
  return /^[a-z0-9@.-]+$/.test(type) ? type : undefined;
}

/** The OpenSSH one-line form without comment: `ssh-ed25519 AAAA…`. */
export function sshPublicKeyLine(keyBlob: Uint8Array): string {
  return `${sshKeyType(keyBlob) ?? 'unknown'} ${Buffer.from(keyBlob).toString('base64')}`;
}

export interface SshPublicKey {
  type: string;
  blob: Buffer;
  /** `ssh-ed25519 AAAA…` (no comment). */
  line: string;
  fingerprint: string;
}

/**
 * Reads a public key as users paste it: `type base64 [comment]`, or a known_hosts line that
 * starts with host names (`[host]:port type base64`). Undefined when no key is in the text.
 */
export function parseSshPublicKey(text: string): SshPublicKey | undefined {
  const words = text.trim().split(/\s+/);
  for (let i = 0; i + 1 < words.length; i++) {
    const type = words[i] as string;
    const encoded = words[i + 1] as string;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) continue;
    const blob = Buffer.from(encoded, 'base64');
    if (sshKeyType(blob) !== type) continue;
    return { type, blob, line: `${type} ${encoded}`, fingerprint: sshFingerprint(blob) };
  }
  return undefined;
}

/** The public half of a private key (OpenSSH or PEM), e.g. to show which deploy key a source uses. */
export function publicKeyOfPrivate(privateKey: string, passphrase?: string): SshPublicKey | Error {
  const parsed = utils.parseKey(privateKey, passphrase);
  if (parsed instanceof Error) return parsed;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key) return new Error('no key found');
  const blob = key.getPublicSSH();
  return { type: key.type, blob, line: sshPublicKeyLine(blob), fingerprint: sshFingerprint(blob) };
}
