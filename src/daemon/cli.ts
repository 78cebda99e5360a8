// The `windflow` command line. The entry points (main.ts for development, the generated one
// for the compiled binary) differ only in where the UI files come from.
import { runAgentCommand } from '../agents/agent-command.ts';
import type { UiAssets } from '../http/ui-assets.ts';
import type { Config } from './config.ts';
import { ConfigError, parseCommandLine, SETTINGS } from './config.ts';
import { healthcheck } from './healthcheck.ts';
import type { Logger } from './logger.ts';
import { createLogger } from './logger.ts';
import { rotateKey } from './rotate-key.ts';
import { startServer } from './serve.ts';
import { openStore } from './store.ts';
import { VERSION } from './version.ts';

const USAGE = `windflow ${VERSION}: manage Docker hosts from the browser

Usage: windflow [command] [options]

Commands:
  serve       run the web server (default)
  agent       run as an agent on a remote host (windflow agent --help)
  migrate     apply pending database migrations and exit
  rotate-key  re-seal every secret with a new key (WINDFLOW_NEW_ENCRYPTION_KEY, or a new key file)
  healthcheck ask the server running here with these settings for /api/health; exit 0 if healthy
  version     print the version and exit

Options (each also read from its environment variable):
${SETTINGS.map((s) => `  --${s.flag.padEnd(15)} ${s.env.padEnd(24)} ${s.help}`).join('\n')}
  -h, --help
`;

/** `helperImageArchive`: the helper image (docker save format) the built binary carries. */
export async function runCli(
  argv: string[],
  uiAssets: UiAssets,
  helperImageArchive?: string,
): Promise<number> {
  if (argv[0] === 'agent') return runAgentCommand(argv.slice(1));
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`windflow: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  const { command = 'serve', help, config } = parsed;
  if (help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const logger = createLogger(config.logLevel);
  try {
    return await runCommand(command, config, logger, uiAssets, helperImageArchive);
  } catch (error) {
    // Start-up failures (wrong key, unreachable database, port in use) are the operator's to fix:
    // say what happened without a stack trace.
    logger.error(`cannot ${command}`, { error });
    return 1;
  }
}

async function runCommand(
  command: string,
  config: Config,
  logger: Logger,
  uiAssets: UiAssets,
  helperImageArchive: string | undefined,
): Promise<number> {
  switch (command) {
    case 'version':
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case 'migrate': {
      const store = await openStore(config, logger);
      await store.db.close();
      return 0;
    }
    case 'healthcheck':
      return healthcheck(config, (line) => process.stdout.write(`${line}\n`));
    case 'rotate-key':
      await rotateKey(config, logger, process.env);
      return 0;
    case 'serve': {
      const server = await startServer(config, logger, uiAssets, helperImageArchive);
      await untilSignalled(logger);
      await server.stop();
      return 0;
    }
    default:
      process.stderr.write(`windflow: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

function untilSignalled(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info('shutting down', { signal });
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
