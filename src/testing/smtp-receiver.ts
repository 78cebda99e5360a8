// A small SMTP server for tests (RFC 5321 commands a mail client sends: EHLO/HELO, AUTH PLAIN
// and LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT). It keeps every message it accepts and
// refuses wrong credentials with 535, as a real server does.

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The message as sent: headers, a blank line, the body. */
  data: string;
  /** The user name it authenticated as, if any. */
  user?: string;
}

export interface SmtpReceiver {
  port: number;
  messages: ReceivedMail[];
  /** Resolves when `count` messages have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): void;
}

interface Session {
  buffer: string;
  mode: 'command' | 'data' | 'auth-user' | 'auth-pass';
  from: string;
  to: string[];
  lines: string[];
  user?: string;
  pendingUser?: string;
}

export function startSmtpReceiver(login: { username: string; password: string }): SmtpReceiver {
  const messages: ReceivedMail[] = [];
  const decode = (value: string) => Buffer.from(value, 'base64').toString('utf8');
  const server = Bun.listen<Session>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(socket) {
        socket.data = { buffer: '', mode: 'command', from: '', to: [], lines: [] };
        socket.write('220 windflow-test ESMTP ready\r\n');
      },
      data(socket, chunk) {
        const session = socket.data;
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
          end = session.buffer.indexOf('\r\n');
        }
      },
    },
  });

  const authenticate = (session: Session, user: string, password: string) => {
    if (user === login.username && password === login.password) {
      session.user = user;
      return '235 2.7.0 Authentication successful';
    }
    return '535 5.7.8 Authentication credentials invalid';
  };

  function handle(session: Session, line: string): string | undefined {
    if (session.mode === 'data') {
      if (line === '.') {
        messages.push({
          from: session.from,
          to: session.to,
          data: session.lines.join('\n'),
          user: session.user,
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
    switch (verb.toUpperCase()) {
      case 'EHLO':
        return '250-windflow-test\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250 SIZE 10485760';
      case 'HELO':
        return '250 windflow-test';
      case 'AUTH': {
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
    port: server.port,
    messages,
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} mails, got ${messages.length}`);
        await Bun.sleep(20);
      }
      return messages;
    },
    stop: () => server.stop(true),
  };
}
