// Errors of Git over SSH. Each has a stable `code` (routes answer it as `{code, message}`); a host
// key that is not the pinned one carries the key the server showed, in the forms users compare,
// so the UI can ask "is this the server's key?" and pin it.

export type GitSshErrorCode =
  /** Not an `ssh://` or scp-like `user@host:path` address we can use. */
  | 'SSH_URL_INVALID'
  /** The private key cannot be read (not an OpenSSH/PEM private key). */
  | 'SSH_KEY_INVALID'
  /** The private key is encrypted and the passphrase is missing or wrong. */
  | 'SSH_KEY_PASSPHRASE'
  /** The pinned host key is neither an OpenSSH public key line nor a `SHA256:` fingerprint. */
  | 'SSH_HOST_KEY_INVALID'
  /** No host key is pinned yet: `hostKey` is the server's, to confirm and pin. */
  | 'UNKNOWN_HOST_KEY'
  /** The server showed another key than the pinned one (a new server, or someone in between). */
  | 'HOST_KEY_MISMATCH'
  /** The server refused the key (not a deploy key of this repository, or the wrong user). */
  | 'SSH_AUTH_FAILED'
  /** No SSH server answered: refused, unknown host name, no route. */
  | 'SSH_UNREACHABLE'
  /** The connection broke in the middle of a transfer. */
  | 'SSH_CONNECTION_LOST'
  /** The server stopped answering (connecting, or in the middle of a transfer). */
  | 'SSH_TIMEOUT'
  /** Cancelled by the caller. */
  | 'SSH_ABORTED'
  /** Connected and logged in, but there is no repository at that path (or no access to it). */
  | 'GIT_REPOSITORY_NOT_FOUND'
  /** The server ran git-upload-pack and it failed, or it refused the command; its message is kept. */
  | 'SSH_REMOTE_ERROR'
  /** Something that is not the Git protocol came back. */
  | 'SSH_PROTOCOL_ERROR';

/** A host key as users compare it: `ssh-ed25519 AAAA…` and `SHA256:…` (as `ssh-keygen -l` prints). */
export interface ShownHostKey {
  publicKey: string;
  fingerprint: string;
}

export class GitSshError extends Error {
  override name = 'GitSshError';
  constructor(
    readonly code: GitSshErrorCode,
    message: string,
    readonly details: {
      /** The key the server showed (UNKNOWN_HOST_KEY, HOST_KEY_MISMATCH). */
      hostKey?: ShownHostKey;
      /** The pinned key's fingerprint (HOST_KEY_MISMATCH). */
      expectedFingerprint?: string;
    } = {},
  ) {
    super(message);
  }

  toJSON(): { code: GitSshErrorCode; message: string; hostKey?: ShownHostKey; expectedFingerprint?: string } {
    return { code: this.code, message: this.message, ...this.details };
  }
}
