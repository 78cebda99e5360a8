// Git over SSH for isomorphic-git, inside the binary (no host git or ssh): an `http` plugin that
// answers the smart-HTTP requests isomorphic-git makes on a stand-in URL (ssh-url.ts) by running
// `git-upload-pack '<path>'` on the server through the `ssh2` library.
//
//   GET  …/info/refs?service=git-upload-pack  the ref advertisement upload-pack opens with,
//        behind the `# service=` line and flush smart HTTP adds; then a flush-pkt ends the session.
//   POST …/git-upload-pack                    a second session on the same connection: its
//        advertisement is skipped, the request (wants, shallow, haves, done) written, and the
//        answer (acknowledgements, side-band pack) streamed back as it arrives.
//
// Only protocol v0/v1 is spoken (clone and fetch ask for nothing else; getRemoteInfo accepts it).
// The server's host key must be the pinned one; an unpinned key is refused with the key attached
// for the user to confirm. One connection serves the requests of one clone or fetch and closes
// once idle, on close() or on abort; a server that stops sending fails the transfer, never hangs it.
//
//   const http = sshGitHttpClient({ privateKey, knownHostKey });   // knownHostKey null: first use
//   try {
//     await git.clone({ fs, http, dir, url: sshStandInUrl('git@github.com:owner/repo.git'), depth: 1 });
//   } catch (e) {
//     // GitSshError; UNKNOWN_HOST_KEY carries details.hostKey {publicKey, fingerprint} to confirm and pin
//   } finally {
//     http.close();
//   }
import { connect, type Socket } from 'node:net';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { Client, type ClientChannel, type ConnectConfig, type ServerHostKeyAlgorithm, utils } from 'ssh2';
import { GitSshError } from './ssh-errors.ts';
import {
  parseSshPublicKey,
  publicKeyOfPrivate,
  type SshPublicKey,
  sshFingerprint,
  sshPublicKeyLine,
} from './ssh-keys.ts';
import { parseStandInRequest, type SshGitAddress, shellQuote } from './ssh-url.ts';

export { isSshUrl, parseSshUrl, sshStandInUrl } from './ssh-url.ts';

export interface SshAuth {
  /** OpenSSH or PEM private key (ed25519, RSA, ECDSA). */
  privateKey: string;
  passphrase?: string;
  /** The pinned host key: an OpenSSH public key line (`ssh-ed25519 AAAA…`) or a `SHA256:` fingerprint. Null before first use. */
  knownHostKey: string | null;
}

export interface SshGitOptions {
  /** Cancels every request of this client. */
  signal?: AbortSignal;
  /** TCP connect, key exchange and login together. */
  connectTimeoutMs?: number;
  /** How long the server may send nothing while a request waits for data. */
  inactivityTimeoutMs?: number;
  /** A connection with no request open is closed after this long. */
  idleCloseMs?: number;
}

export interface SshGitHttpClient extends HttpClient {
  /** Ends every connection and request of this client now. */
  close(): void;
}

const SERVICE = 'git-upload-pack';
const FLUSH = Buffer.from('0000');
/** A ref advertisement bigger than this is not one (a large monorepo's is a few MB). */
const MAX_ADVERTISEMENT = 64 * 1024 * 1024;
const STDERR_KEPT = 4096;

/** An isomorphic-git `http` plugin that reaches SSH repositories; pass it with `sshStandInUrl(url)` as the url. */
export function sshGitHttpClient(auth: SshAuth, options: SshGitOptions = {}): SshGitHttpClient {
  const settings = {
    connectTimeoutMs: options.connectTimeoutMs ?? 20_000,
    inactivityTimeoutMs: options.inactivityTimeoutMs ?? 120_000,
    idleCloseMs: options.idleCloseMs ?? 2_000,
  };
  const connections = new Map<string, SshConnection>();
  const closeAll = () => {
    for (const connection of connections.values()) connection.close(aborted());
    connections.clear();
  };
  options.signal?.addEventListener('abort', closeAll, { once: true });

  const connectionFor = (address: SshGitAddress): SshConnection => {
    const key = `${address.user}@${address.host}:${address.port}`;
    let connection = connections.get(key);
    if (!connection || connection.closed) {
      connection = new SshConnection(address, auth, settings, () => {
        if (connections.get(key) === connection) connections.delete(key);
      });
      connections.set(key, connection);
    }
    return connection;
  };

  return {
    async request(request: GitHttpRequest): Promise<GitHttpResponse> {
      if (options.signal?.aborted) throw aborted();
      const parsed = parseStandInRequest(request.url);
      if (!parsed) {
        throw new GitSshError(
          'SSH_URL_INVALID',
          `${request.url} is not an SSH repository address made by sshStandInUrl`,
        );
      }
      if (parsed.service !== SERVICE) {
        throw new GitSshError(
          'SSH_REMOTE_ERROR',
          `Only fetching is supported over SSH, not ${parsed.service}`,
        );
      }
      const signals = [options.signal, request.signal].filter((s): s is AbortSignal => s !== undefined);
      const session = await connectionFor(parsed.address).uploadPack(
        parsed.address.path,
        AbortSignal.any(signals),
      );
      try {
        const response = { url: request.url, method: request.method, statusCode: 200, statusMessage: 'OK' };
        if (parsed.advertisement) {
          const advertisement = await session.readAdvertisement();
          session.finishWith(FLUSH);
          return {
            ...response,
            headers: { 'content-type': `application/x-${SERVICE}-advertisement` },
            body: fromChunks([serviceHeader(), advertisement]),
          };
        }
        const advertisement = await session.readAdvertisement();
        session.send(withoutPeeledWants(await collect(request.body ?? []), advertisement));
        return {
          ...response,
          headers: { 'content-type': `application/x-${SERVICE}-result` },
          body: session.rest(),
        };
      } catch (error) {
        session.destroy();
        throw error;
      }
    },
    close: closeAll,
  };
}

function aborted(): GitSshError {
  return new GitSshError('SSH_ABORTED', 'The Git transfer over SSH was cancelled');
}

/** `001e# service=git-upload-pack\n` and a flush: what smart HTTP puts before the advertisement. */
function serviceHeader(): Buffer {
  const line = `# service=${SERVICE}\n`;
  return Buffer.concat([Buffer.from((line.length + 4).toString(16).padStart(4, '0') + line), FLUSH]);
}

async function* fromChunks(chunks: Buffer[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

type Settings = Required<Omit<SshGitOptions, 'signal'>>;

/** One SSH connection, shared by the requests of one client to one server. */
class SshConnection {
  closed = false;
  private readonly client = new Client();
  /** Ours, not ssh2's: a failed or cancelled connection is cut at once, whatever state ssh2 is in. */
  private socket: Socket | undefined;
  /**
   * What is waiting on the connection (see within), failed at once when it closes for good. A
   * set, not a race against one long-lived promise: such a race keeps every value it ever
   * settled with (each chunk of a pack) until that promise settles.
   */
  private readonly waiting = new Set<(error: GitSshError) => void>();
  private readonly ready: Promise<void>;
  private open = 0;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Why the connection failed, when we know better than ssh2's message (a host key refused, a cancel). */
  private failure: GitSshError | undefined;

  constructor(
    private readonly address: SshGitAddress,
    auth: SshAuth,
    private readonly settings: Settings,
    private readonly onClosed: () => void,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.client.once('ready', () => resolve());
      this.client.once('error', (error) => reject(this.failure ?? connectError(error, address, settings)));
      this.waiting.add(reject);
    });
    this.ready.catch((error: GitSshError) => this.close(error));
    this.client.on('error', () => {}); // after 'ready', a lost connection ends in 'close'
    this.client.on('close', () =>
      this.close(
        new GitSshError('SSH_CONNECTION_LOST', `The connection to ${address.host}:${address.port} was lost`),
      ),
    );
    try {
      const config = this.config(auth);
      this.socket = connect({ host: address.host, port: address.port });
      this.client.connect({ ...config, sock: this.socket });
    } catch (error) {
      this.close(error instanceof GitSshError ? error : new GitSshError('SSH_KEY_INVALID', String(error)));
    }
  }

  private config(auth: SshAuth): ConnectConfig {
    const key = utils.parseKey(auth.privateKey, auth.passphrase);
    if (key instanceof Error) throw keyError(key);
    const pin = readHostKeyPin(auth.knownHostKey);
    const { host, port, user } = this.address;
    return {
      username: user,
      privateKey: auth.privateKey,
      passphrase: auth.passphrase,
      readyTimeout: this.settings.connectTimeoutMs,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 3,
      // Offer only the pinned key's algorithm, as OpenSSH does for a host it knows: a server
      // with several host keys then shows the one that was pinned.
      algorithms: pin?.algorithms ? { serverHostKey: pin.algorithms } : undefined,
      hostVerifier: (blob: Buffer) => {
        const shown = { publicKey: sshPublicKeyLine(blob), fingerprint: sshFingerprint(blob) };
        const where = port === 22 ? host : `[${host}]:${port}`;
        if (!pin) {
          this.failure = new GitSshError(
            'UNKNOWN_HOST_KEY',
            `${where} is not a known host: confirm that its key fingerprint is ${shown.fingerprint} and pin it`,
            { hostKey: shown },
          );
          return false;
        }
        if (shown.fingerprint === pin.fingerprint) return true;
        this.failure = new GitSshError(
          'HOST_KEY_MISMATCH',
          `${where} showed the host key ${shown.fingerprint}, not the pinned ${pin.fingerprint}: the server was replaced or someone is in between; pin the new key only if you know why it changed`,
          { hostKey: shown, expectedFingerprint: pin.fingerprint },
        );
        return false;
      },
    };
  }

  /**
   * Opens `git-upload-pack '<path>'` on the server. A timeout or a cancel closes the whole
   * connection: a server that stopped answering will not confirm a channel's close either.
   */
  async uploadPack(path: string, signal: AbortSignal): Promise<UploadPackSession> {
    this.open++;
    clearTimeout(this.idleTimer);
    const onAbort = () => this.close(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      signal.removeEventListener('abort', onAbort);
      this.release();
    };
    try {
      if (signal.aborted) throw aborted();
      await this.within(this.ready, this.settings.connectTimeoutMs, 'connecting');
      const opened = new Promise<ClientChannel>((resolve, reject) => {
        this.client.exec(`${SERVICE} ${shellQuote(path)}`, (error, channel) =>
          error
            ? reject(
                new GitSshError(
                  'SSH_REMOTE_ERROR',
                  `${this.address.host} refused to run ${SERVICE}: ${error.message}`,
                ),
              )
            : resolve(channel),
        );
      });
      const channel = await this.within(opened, this.settings.inactivityTimeoutMs, `starting ${SERVICE}`);
      return new UploadPackSession(channel, { ...this.address, path }, this, release);
    } catch (error) {
      release();
      throw error;
    }
  }

  /** `work`, unless the connection dies or `ms` pass first (then the connection is closed as timed out). */
  within<T>(work: Promise<T>, ms: number, doing: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) return reject(this.failure ?? unreachable(this.address, 'the connection was closed'));
      const timer = setTimeout(() => this.close(timeout(this.address, doing)), ms);
      const settle = () => {
        clearTimeout(timer);
        this.waiting.delete(reject);
      };
      this.waiting.add(reject);
      work.then(
        (value) => {
          settle();
          resolve(value);
        },
        (error) => {
          settle();
          reject(error);
        },
      );
    });
  }

  get inactivityTimeoutMs(): number {
    return this.settings.inactivityTimeoutMs;
  }

  private release(): void {
    this.open--;
    if (this.open > 0 || this.closed) return;
    this.idleTimer = setTimeout(() => this.close(), this.settings.idleCloseMs);
    this.idleTimer.unref?.();
  }

  close(reason?: GitSshError): void {
    if (reason && !this.failure) this.failure = reason;
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idleTimer);
    const failure = this.failure ?? unreachable(this.address, 'the connection was closed');
    for (const fail of this.waiting) fail(failure);
    this.waiting.clear();
    if (reason) {
      this.socket?.destroy();
    } else {
      // A polite goodbye when idle; a server that never answers it must not keep the socket.
      this.client.end();
      setTimeout(() => this.socket?.destroy(), 1000).unref?.();
    }
    this.onClosed();
  }
}

/** One run of git-upload-pack: reads its output with a deadline, keeps its stderr and exit status. */
class UploadPackSession {
  private readonly reader: AsyncIterator<Buffer>;
  private readonly stderr: Buffer[] = [];
  private stderrLength = 0;
  private exitCode: number | null | undefined;
  private readonly closed: Promise<void>;
  /** Output read past the advertisement, handed on first by rest(). */
  private leftover: Buffer | undefined;

  constructor(
    private readonly channel: ClientChannel,
    private readonly address: SshGitAddress,
    private readonly connection: SshConnection,
    onClosed: () => void,
  ) {
    this.reader = channel[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    channel.stderr.on('data', (chunk: Buffer) => {
      if (this.stderrLength >= STDERR_KEPT) return;
      this.stderr.push(chunk);
      this.stderrLength += chunk.length;
    });
    channel.on('exit', (code: number | null) => {
      this.exitCode = code;
    });
    this.closed = new Promise((resolve) => channel.once('close', resolve));
    this.closed.then(onClosed);
  }

  /** Ends the channel (the server confirms; a dead connection ends it anyway). */
  destroy(): void {
    this.channel.destroy();
  }

  /** The next chunk of output, or undefined at its end; the server may be silent only so long. */
  private async next(): Promise<Buffer | undefined> {
    const { value, done } = await this.connection.within(
      this.reader.next(),
      this.connection.inactivityTimeoutMs,
      `waiting ${this.connection.inactivityTimeoutMs / 1000} s for data`,
    );
    return done ? undefined : value;
  }

  /** Reads the ref advertisement up to and including its flush-pkt; keeps what came after it. */
  async readAdvertisement(): Promise<Buffer> {
    const scanner = new PktLineScanner();
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = await this.next();
      if (!chunk) throw await this.endedEarly();
      const end = scanner.scan(chunk);
      if (scanner.firstLine?.startsWith('ERR ')) {
        throw new GitSshError(
          'SSH_REMOTE_ERROR',
          `${this.address.host}: ${scanner.firstLine.slice(4).trim()}`,
        );
      }
      if (end === -1) {
        chunks.push(chunk);
        length += chunk.length;
        if (length > MAX_ADVERTISEMENT)
          throw protocolError(this.address, 'the ref advertisement does not end');
        continue;
      }
      chunks.push(chunk.subarray(0, end));
      if (end < chunk.length) this.leftover = chunk.subarray(end);
      return Buffer.concat(chunks);
    }
  }

  /** Ends the session with `data` (a flush-pkt: "nothing wanted"); the server then closes it. */
  finishWith(data: Buffer): void {
    this.channel.end(data);
    // The channel closes only once its output is read to the end.
    (async () => {
      while (await this.next());
    })().catch(() => this.destroy());
  }

  /** Writes the request (a few KB of wants and haves), then signals its end. */
  send(request: Buffer): void {
    this.channel.end(request);
  }

  /** Everything after the advertisement, as it arrives; fails with the server's reason if upload-pack failed. */
  async *rest(): AsyncGenerator<Uint8Array> {
    try {
      if (this.leftover) yield this.leftover;
      this.leftover = undefined;
      for (;;) {
        const chunk = await this.next();
        if (!chunk) break;
        yield chunk;
      }
      await this.connection.within(
        this.closed,
        this.connection.inactivityTimeoutMs,
        `waiting for ${SERVICE} to exit`,
      );
      if (this.exitCode !== 0) throw this.remoteFailure();
    } finally {
      this.destroy();
    }
  }

  /** The output ended before the advertisement did: say why, from the exit status and stderr. */
  private async endedEarly(): Promise<GitSshError> {
    await this.connection.within(
      this.closed,
      this.connection.inactivityTimeoutMs,
      `waiting for ${SERVICE} to exit`,
    );
    return this.remoteFailure();
  }
  private remoteFailure(): GitSshError {
    const message = Buffer.concat(this.stderr).toString('utf8').trim().replace(/\s+/g, ' ');
    const { host, path } = this.address;
    if (
      /not a git repository|does not appear to be a git repository|repository not found|no such (file|repository)|could not read from remote/i.test(
        message,
      )
    ) {
      return new GitSshError(
        'GIT_REPOSITORY_NOT_FOUND',
        `No Git repository at ${path} on ${host}${message ? ` (${message})` : ''}`,
      );
    }
    const status =
      this.exitCode === undefined || this.exitCode === null
        ? 'before it finished (the connection was lost or the command was killed)'
        : `with status ${this.exitCode}`;
    return new GitSshError(
      'SSH_REMOTE_ERROR',
      `${SERVICE} on ${host} ended ${status}${message ? `: ${message}` : ''}`,
    );
  }
}

async function collect(body: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The payloads of a pkt-line buffer; null for a flush-pkt. */
function pktLines(data: Buffer): (Buffer | null)[] {
  const lines: (Buffer | null)[] = [];
  for (let at = 0; at + 4 <= data.length; ) {
    const length = Number.parseInt(data.toString('latin1', at, at + 4), 16);
    if (!(length >= 4)) {
      lines.push(null);
      at += 4;
      continue;
    }
    lines.push(data.subarray(at + 4, at + length));
    at += length;
  }
  return lines;
}

function pktLine(payload: string): string {
  return (payload.length + 4).toString(16).padStart(4, '0') + payload;
}

/**
 * isomorphic-git asks for every advertised object, the peeled commits of annotated tags
 * (`refs/tags/v1^{}`) too. Smart HTTP serves those (its stateless upload-pack accepts any object
 * reachable from a ref), but upload-pack over SSH accepts only ref tips ("not our ref"). The tag
 * itself is asked for and brings its commit, so those wants are dropped; the capabilities that
 * ride on the first want move to the next.
 */
function withoutPeeledWants(request: Buffer, advertisement: Buffer): Buffer {
  const tips = new Set<string>();
  const peeled = new Set<string>();
  for (const line of pktLines(advertisement)) {
    const match = line && /^([0-9a-f]{40,64}) ([^\0\n]+)/.exec(line.toString('latin1'));
    if (match) (match[2]?.endsWith('^{}') ? peeled : tips).add(match[1] as string);
  }
  let capabilities = '';
  let dropped = false;
  const out: string[] = [];
  for (const line of pktLines(request)) {
    if (line === null) {
      out.push('0000');
      continue;
    }
    const text = line.toString('latin1');
    const want = /^want ([0-9a-f]{40,64})(?: ([^\n]*))?\n?$/.exec(text);
    if (want) {
      const oid = want[1] as string;
      const lineCapabilities = want[2] ?? capabilities;
      if (peeled.has(oid) && !tips.has(oid)) {
        capabilities = lineCapabilities;
        dropped = true;
        continue;
      }
      out.push(pktLine(`want ${oid}${lineCapabilities ? ` ${lineCapabilities}` : ''}\n`));
      capabilities = '';
      continue;
    }
    out.push(pktLine(text));
  }
  return dropped ? Buffer.from(out.join(''), 'latin1') : request;
}

/** Finds the end (just past the first flush-pkt) of a pkt-line section in a byte stream. */
class PktLineScanner {
  private header = '';
  private remaining = 0;
  private firstPayload: number[] | undefined;
  firstLine: string | undefined;

  /** The index just past the flush-pkt in `chunk`, or -1 when the section goes on. */
  scan(chunk: Buffer): number {
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - i);
        if (this.firstPayload && this.firstLine === undefined) {
          this.firstPayload.push(...chunk.subarray(i, i + Math.min(take, 200 - this.firstPayload.length)));
        }
        i += take;
        this.remaining -= take;
        if (this.remaining === 0 && this.firstPayload && this.firstLine === undefined) {
          this.firstLine = Buffer.from(this.firstPayload).toString('utf8');
        }
        continue;
      }
      this.header += String.fromCharCode(chunk[i] as number);
      i++;
      if (this.header.length < 4) continue;
      const length = /^[0-9a-f]{4}$/i.test(this.header) ? Number.parseInt(this.header, 16) : Number.NaN;
      this.header = '';
      if (length === 0) return i;
      if (!(length >= 4))
        throw new GitSshError('SSH_PROTOCOL_ERROR', 'The server did not answer with the Git protocol');
      this.remaining = length - 4;
      this.firstPayload ??= [];
      if (this.remaining === 0 && this.firstLine === undefined) this.firstLine = '';
    }
    return -1;
  }
}

/**
 * Reads the key and the pin as a connection would, without connecting: the deploy key's public
 * half (to show) and the pinned host key's fingerprint. Throws the GitSshError a connection would.
 */
export function readSshAuth(auth: SshAuth): { publicKey: SshPublicKey; pinnedFingerprint: string | null } {
  const publicKey = publicKeyOfPrivate(auth.privateKey, auth.passphrase);
  if (publicKey instanceof Error) throw keyError(publicKey);
  return { publicKey, pinnedFingerprint: readHostKeyPin(auth.knownHostKey)?.fingerprint ?? null };
}

/** A pin as stored (key line, known_hosts line or SHA256 fingerprint); undefined when none is pinned. */
export function readHostKeyPin(
  knownHostKey: string | null,
): { fingerprint: string; algorithms?: ServerHostKeyAlgorithm[] } | undefined {
  if (knownHostKey === null || knownHostKey.trim() === '') return undefined;
  const text = knownHostKey.trim();
  if (/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(text)) return { fingerprint: text.replace(/=$/, '') };
  const key = parseSshPublicKey(text);
  if (!key) {
    throw new GitSshError(
      'SSH_HOST_KEY_INVALID',
      'The pinned host key is neither an OpenSSH public key ("ssh-ed25519 AAAA…") nor a SHA256: fingerprint',
    );
  }
  const algorithms = (
    key.type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [key.type]
  ) as ServerHostKeyAlgorithm[];
  return { fingerprint: key.fingerprint, algorithms };
}

function keyError(error: Error): GitSshError {
  return /passphrase/i.test(error.message)
    ? new GitSshError('SSH_KEY_PASSPHRASE', `The private key is encrypted: ${error.message}`)
    : new GitSshError('SSH_KEY_INVALID', `The private key cannot be read: ${error.message}`);
}

function connectError(
  error: Error & { level?: string; code?: string },
  address: SshGitAddress,
  settings: Settings,
): GitSshError {
  if (error.level === 'client-authentication') {
    return new GitSshError(
      'SSH_AUTH_FAILED',
      `${address.host} refused the key for ${address.user}: add its public key to the repository as a deploy key, or check the user name`,
    );
  }
  if (error.level === 'client-timeout')
    return timeout(address, `connecting (${settings.connectTimeoutMs / 1000} s)`);
  return unreachable(address, error.code ? `${error.code}: ${error.message}` : error.message);
}

function unreachable(address: SshGitAddress, why: string): GitSshError {
  return new GitSshError(
    'SSH_UNREACHABLE',
    `No SSH server answered at ${address.host}:${address.port} (${why})`,
  );
}

function timeout(address: SshGitAddress, doing: string): GitSshError {
  return new GitSshError('SSH_TIMEOUT', `${address.host}:${address.port} stopped answering while ${doing}`);
}

function protocolError(address: SshGitAddress, why: string): GitSshError {
  return new GitSshError('SSH_PROTOCOL_ERROR', `${address.host} did not speak the Git protocol: ${why}`);
}
