// A small SMTP server for tests (RFC 5321 commands a mail client sends: EHLO/HELO, STARTTLS,
// AUTH PLAIN and LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT). It keeps every message it accepts
// and refuses wrong credentials with 535, as a real server does. With a certificate it speaks
// TLS the two ways relays do: STARTTLS on 587 (RFC 3207; then it refuses AUTH and MAIL before
// the upgrade, as Gmail, SES and Office 365 do) or implicit TLS from the first byte on 465
// (RFC 8314). It logs every command with whether it came over TLS, so tests can show that
// credentials never crossed in clear.
import net from 'node:net';
import tls from 'node:tls';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The message as sent: headers, a blank line, the body. */
  data: string;
  /** The user name it authenticated as, if any. */
  user?: string;
  /** Whether it came over TLS. */
  secure: boolean;
}

export interface SmtpReceiverOptions {
  /**
   * none: plain text only, STARTTLS not offered; starttls: offered and required before AUTH or
   * MAIL; implicit: TLS from the first byte.
   */
  security?: 'none' | 'starttls' | 'implicit';
  /** PEM certificate and key to speak TLS with (needed unless security is none). */
  tls?: { cert: string; key: string };
  /** Address to listen on; 127.0.0.1 unless a test needs a name the certificate lacks. */
  hostname?: string;
}

export interface SmtpReceiver {
  port: number;
  messages: ReceivedMail[];
  /** Every command line's verb as it arrived, and whether the connection was TLS by then. */
  commands: { verb: string; secure: boolean }[];
  /** Resolves when `count` messages have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): void;
}

interface Session {
  buffer: string;
  mode: 'command' | 'data' | 'auth-user' | 'auth-pass';
  secure: boolean;
  from: string;
  to: string[];
  lines: string[];
  user?: string;
  pendingUser?: string;
}

export async function startSmtpReceiver(
  login: { username: string; password: string },
  options: SmtpReceiverOptions = {},
): Promise<SmtpReceiver> {
  const security = options.security ?? 'none';
  if (security !== 'none' && !options.tls)
    throw new Error(`an SMTP receiver with ${security} needs a certificate`);
  const secureContext = options.tls ? tls.createSecureContext(options.tls) : undefined;
  const messages: ReceivedMail[] = [];
  const commands: SmtpReceiver['commands'] = [];
  const sockets = new Set<net.Socket>();
  const decode = (value: string) => Buffer.from(value, 'base64').toString('utf8');

  function serve(socket: net.Socket, session: Session) {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const onData = (chunk: Buffer) => {
      session.buffer += chunk.toString('utf8');
      let end = session.buffer.indexOf('\r\n');
      while (end >= 0) {
        const line = session.buffer.slice(0, end);
        session.buffer = session.buffer.slice(end + 2);
        const reply = handle(session, line);
        if (reply) socket.write(`${reply}\r\n`);
        if (reply?.startsWith('221')) {
          socket.end();
          return;
        }
        if (reply?.startsWith('220 2.0.0')) {
          // STARTTLS: everything after this reply is a TLS handshake, and the session starts over.
          socket.off('data', onData);
          const upgraded = new tls.TLSSocket(socket, { isServer: true, secureContext });
          serve(upgraded, { buffer: '', mode: 'command', secure: true, from: '', to: [], lines: [] });
          return;
        }
        end = session.buffer.indexOf('\r\n');
      }
    };
    socket.on('data', onData);
  }

  const greet = (secure: boolean) => (socket: net.Socket) => {
    serve(socket, { buffer: '', mode: 'command', secure, from: '', to: [], lines: [] });
    socket.write('220 windflow-test ESMTP ready\r\n');
  };
  const server =
    security === 'implicit'
      ? tls.createServer({ ...options.tls }, greet(true))
      : net.createServer(greet(false));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.hostname ?? '127.0.0.1', resolve);
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the SMTP receiver did not bind');

  const authenticate = (session: Session, user: string, password: string) => {
    if (user === login.username && password === login.password) {
      session.user = user;
      return '235 2.7.0 Authentication successful';
    }
    return '535 5.7.8 Authentication credentials invalid';
  };
  const tlsFirst = (session: Session) => security === 'starttls' && !session.secure;

  function handle(session: Session, line: string): string | undefined {
    if (session.mode === 'data') {
      if (line === '.') {
        messages.push({
          from: session.from,
          to: session.to,
          data: session.lines.join('\n'),
          user: session.user,
          secure: session.secure,
        });
        Object.assign(session, { mode: 'command', from: '', to: [], lines: [] });
        return '250 2.0.0 Ok: queued';
      }
      session.lines.push(line.startsWith('..') ? line.slice(1) : line);
      return undefined;
    }
    if (session.mode === 'auth-user') {
      session.pendingUser = decode(line);
      session.mode = 'auth-pass';
      return '334 UGFzc3dvcmQ6';
    }
    if (session.mode === 'auth-pass') {
      session.mode = 'command';
      return authenticate(session, session.pendingUser ?? '', decode(line));
    }
    const [verb = '', ...rest] = line.split(' ');
    const argument = rest.join(' ');
    commands.push({ verb: verb.toUpperCase(), secure: session.secure });
    switch (verb.toUpperCase()) {
      case 'EHLO': {
        const offers = security === 'starttls' && !session.secure ? ['STARTTLS'] : ['AUTH PLAIN LOGIN'];
        return ['windflow-test', ...offers, '8BITMIME', 'SIZE 10485760']
          .map((each, index, all) => `250${index === all.length - 1 ? ' ' : '-'}${each}`)
          .join('\r\n');
      }
      case 'HELO':
        return '250 windflow-test';
      case 'STARTTLS':
        if (security !== 'starttls' || session.secure) return '502 5.5.1 STARTTLS not available';
        return '220 2.0.0 Ready to start TLS';
      case 'AUTH': {
        if (tlsFirst(session)) return '530 5.7.0 Must issue a STARTTLS command first';
        const [mechanism = '', initial] = argument.split(' ');
        if (mechanism.toUpperCase() === 'PLAIN' && initial) {
          const [, user = '', password = ''] = decode(initial).split('\0');
          return authenticate(session, user, password);
        }
        if (mechanism.toUpperCase() === 'LOGIN') {
          session.mode = 'auth-user';
          return '334 VXNlcm5hbWU6';
        }
        return '504 5.5.4 Unrecognized authentication type';
      }
      case 'MAIL':
        if (tlsFirst(session)) return '530 5.7.0 Must issue a STARTTLS command first';
        if (!session.user) return '530 5.7.0 Authentication required';
        session.from = /<([^>]*)>/.exec(argument)?.[1] ?? '';
        return '250 2.1.0 Ok';
      case 'RCPT':
        session.to.push(/<([^>]*)>/.exec(argument)?.[1] ?? '');
        return '250 2.1.5 Ok';
      case 'DATA':
        session.mode = 'data';
        return '354 End data with <CR><LF>.<CR><LF>';
      case 'RSET':
        Object.assign(session, { from: '', to: [], lines: [] });
        return '250 2.0.0 Ok';
      case 'NOOP':
        return '250 2.0.0 Ok';
      case 'QUIT':
        return '221 2.0.0 Bye';
      default:
        return '502 5.5.2 Command not recognized';
    }
  }

  return {
    port: address.port,
    messages,
    commands,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} mails, got ${messages.length}`);
        await Bun.sleep(20);
      }
      return messages;
    },
    stop: () => {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}
