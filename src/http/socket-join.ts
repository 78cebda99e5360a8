// Two TCP (or unix) sockets joined byte for byte, with back-pressure both ways and half-close
// passed on: what a standard agent does between a caller and the Docker socket, and what the
// front door does between a browser and the HTTP server behind it. Upgraded connections and
// long streams go through unchanged because nothing here reads HTTP.
import type { Socket } from 'bun';

/** Writes that a full socket did not take, kept in order until it drains. */
class Outbox {
  private waiting: Uint8Array[] = [];

  constructor(private readonly onFull: () => void) {}

  write(target: { write(data: Uint8Array): number }, bytes: Uint8Array): void {
    if (this.waiting.length > 0) {
      this.waiting.push(bytes);
      return;
    }
    const written = target.write(bytes);
    if (written < bytes.length) {
      this.waiting.push(bytes.subarray(Math.max(written, 0)));
      this.onFull();
    }
  }

  /** Called on the target's drain; true once everything went. */
  flush(target: { write(data: Uint8Array): number }): boolean {
    while (this.waiting.length > 0) {
      const next = this.waiting[0] as Uint8Array;
      const written = target.write(next);
      if (written < next.length) {
        this.waiting[0] = next.subarray(Math.max(written, 0));
        return false;
      }
      this.waiting.shift();
    }
    return true;
  }
}

export type JoinTarget = { unix: string } | { hostname: string; port: number };

/**
 * One accepted socket joined to a connection it opens. The accepted socket's handlers call
 * fromClient/clientDrained/clientEnded/clientClosed; the other side's are handled here.
 */
export class SocketJoin {
  private peer?: Socket<unknown>;
  /** Bytes from the client waiting for the other side to open. */
  private queued: Uint8Array[] = [];
  private readonly toPeer: Outbox;
  private readonly toClient: Outbox;
  private closed = false;
  private clientHalfClosed = false;

  constructor(private readonly client: Socket<unknown>) {
    this.toPeer = new Outbox(() => client.pause());
    this.toClient = new Outbox(() => this.peer?.pause());
  }

  /** Opens the other side and sends `first` (bytes already read from the client) ahead. */
  connect(
    target: JoinTarget,
    first: Uint8Array,
    hooks: { opened?(peer: Socket<unknown>): void; closed?(): void; failed(): void },
  ) {
    this.queued.push(first);
    const client = this.client;
    void Bun.connect({
      ...target,
      allowHalfOpen: true,
      socket: {
        open: (peer: Socket<unknown>) => {
          if (this.closed) {
            peer.end();
            return;
          }
          this.peer = peer;
          hooks.opened?.(peer);
          for (const bytes of this.queued.splice(0)) this.toPeer.write(peer, bytes);
          if (this.clientHalfClosed) peer.shutdown();
        },
        data: (_: Socket<unknown>, bytes: Uint8Array) => this.toClient.write(client, bytes),
        drain: (peer: Socket<unknown>) => {
          if (this.toPeer.flush(peer)) client.resume();
        },
        // The other side finished writing (a command ended): so does the client's side.
        end: () => client.shutdown(),
        close: () => {
          hooks.closed?.();
          client.end();
        },
        error: () => client.end(),
      },
    } as unknown as Parameters<typeof Bun.connect>[0]).catch(() => hooks.failed());
  }

  fromClient(bytes: Uint8Array): void {
    if (this.peer) this.toPeer.write(this.peer, bytes);
    else this.queued.push(Buffer.from(bytes));
  }

  clientDrained(): void {
    if (this.toClient.flush(this.client)) this.peer?.resume();
  }

  /** The client half-closed (end of a command's input): pass it on, keep reading. */
  clientEnded(): void {
    this.clientHalfClosed = true;
    this.peer?.shutdown();
  }

  clientClosed(): void {
    this.closed = true;
    this.peer?.end();
  }
}
