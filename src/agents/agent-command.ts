// `windflow agent`: the same binary as an agent on a remote host, in one of two modes.
//   edge:     windflow agent --server wss://windflow.example/api/hawser/connect --token …
//   standard: windflow agent --listen :2376 --token … [--tls-cert F --tls-key F]
// The token may come from WINDFLOW_AGENT_TOKEN instead (kept out of the process list).
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_DOCKER_SOCKET } from '../daemon/config.ts';
import { createLogger, LOG_LEVELS, type LogLevel } from '../daemon/logger.ts';
import { runEdgeAgent } from './edge-agent.ts';
import { listenStandardAgent } from './standard-agent.ts';

export const AGENT_USAGE = `Usage:
  windflow agent --server wss://HOST/api/hawser/connect --token TOKEN [--name NAME]
  windflow agent --listen [ADDRESS:]PORT --token TOKEN [--tls-cert FILE --tls-key FILE]

Options:
  --server URL          edge mode: dial this Windflow (ws:// or wss://) and keep the link up
  --listen [ADDR:]PORT  standard mode: answer the Engine API here (default address 0.0.0.0)
  --token TOKEN         the agent token (or WINDFLOW_AGENT_TOKEN)
  --name NAME           how the agent introduces itself (default: the host name)
  --docker-socket PATH  the local Docker socket (default ${DEFAULT_DOCKER_SOCKET}, or WINDFLOW_DOCKER_SOCKET)
  --tls-cert, --tls-key PEM files for standard mode over TLS
  --log-level LEVEL     ${LOG_LEVELS.join(', ')} (default info)
`;

export async function runAgentCommand(argv: string[], env = process.env): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        server: { type: 'string' },
        listen: { type: 'string' },
        token: { type: 'string' },
        name: { type: 'string' },
        'docker-socket': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`windflow agent: ${(error as Error).message}\n\n${AGENT_USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(AGENT_USAGE);
    return 0;
  }
  const fail = (message: string) => {
    process.stderr.write(`windflow agent: ${message}\n\n${AGENT_USAGE}`);
    return 2;
  };
  const token = (values.token as string | undefined) ?? env.WINDFLOW_AGENT_TOKEN;
  if (!token) return fail('--token (or WINDFLOW_AGENT_TOKEN) is required');
  const level = (values['log-level'] as string | undefined) ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) return fail(`unknown log level ${level}`);
  const logger = createLogger(level as LogLevel).child({ component: 'agent' });
  const dockerSocket =
    (values['docker-socket'] as string | undefined) ?? env.WINDFLOW_DOCKER_SOCKET ?? DEFAULT_DOCKER_SOCKET;
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);

  if (values.server && values.listen) return fail('give --server (edge) or --listen (standard), not both');
  if (typeof values.server === 'string') {
    if (!/^wss?:\/\//.test(values.server)) return fail('--server must start with ws:// or wss://');
    logger.info('edge agent starting', { server: values.server });
    await runEdgeAgent({
      serverUrl: values.server,
      token,
      name: (values.name as string | undefined) ?? hostname(),
      dockerSocket,
      logger,
      signal: stop.signal,
    });
    return 0;
  }
  if (typeof values.listen === 'string') {
    const match = /^(?:(.*):)?(\d{1,5})$/.exec(values.listen);
    if (!match) return fail('--listen is [ADDRESS:]PORT, e.g. :2376 or 127.0.0.1:2376');
    const cert = values['tls-cert'] as string | undefined;
    const key = values['tls-key'] as string | undefined;
    if (Boolean(cert) !== Boolean(key)) return fail('--tls-cert and --tls-key go together');
    const listener = listenStandardAgent({
      host: match[1]?.replace(/^\[(.*)\]$/, '$1') || '0.0.0.0',
      port: Number(match[2]),
      token,
      dockerSocket,
      logger,
      tls: cert && key ? { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') } : undefined,
    });
    logger.info('standard agent listening', {
      address: `${listener.hostname}:${listener.port}`,
      tls: Boolean(cert),
    });
    await new Promise<void>((resolve) =>
      stop.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    listener.stop(true);
    return 0;
  }
  return fail('give --server URL (edge) or --listen PORT (standard)');
}
