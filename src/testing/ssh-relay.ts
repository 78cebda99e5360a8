// A TCP relay in front of the test bed's Git sshd, for tests that count SSH connections (one
// per clone or deploy, none left open) or make the server go silent or cut the line mid-pack.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { testbed } from './testbed.ts';

const bed = testbed().gitSsh;

/** A TCP relay to sshd that counts connections and can stall or cut them after some bytes from the server. */
export class SshRelay {
  private readonly server: Server;
  readonly sockets = new Set<Socket>();
  accepted = 0;
  /** After this many bytes from sshd, stop relaying ('stall') or cut both sides ('cut'). */
  fault: { after: number; kind: 'stall' | 'cut' } | undefined;

  constructor() {
    this.server = createServer((client) => {
      this.accepted++;
      const upstream = connect(bed.port, bed.host);
      this.sockets.add(client);
      let relayed = 0;
      const forget = () => {
        this.sockets.delete(client);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', forget).on('error', forget);
      upstream.on('close', forget).on('error', forget);
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        relayed += chunk.length;
        if (this.fault && relayed > this.fault.after) {
          if (this.fault.kind === 'cut') forget();
          return; // stall: swallow, keep both sockets open
        }
        client.write(chunk);
      });
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve) =>
      this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as { port: number }).port)),
    );
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
