import { expect, test } from 'bun:test';
import { ConfigError, DEFAULT_PORT, parseCommandLine } from './config.ts';
import { createLogger } from './logger.ts';

test('flags win over WINDFLOW_* variables, which win over defaults', () => {
  const env = { WINDFLOW_PORT: '7000', WINDFLOW_HOST: '0.0.0.0', WINDFLOW_DATA_DIR: '/srv/wf' };
  const { command, config } = parseCommandLine(['serve', '--port', '7100'], env);
  expect(command).toBe('serve');
  expect(config).toMatchObject({
    port: 7100,
    host: '0.0.0.0',
    dataDir: '/srv/wf',
    databaseUrl: '',
    logLevel: 'info',
  });
  expect(parseCommandLine([], {}).config.port).toBe(DEFAULT_PORT);
});

test('bad settings are refused with a message that names them', () => {
  expect(() => parseCommandLine(['--port', '99999'], {})).toThrow(ConfigError);
  expect(() => parseCommandLine([], { WINDFLOW_LOG_LEVEL: 'loud' })).toThrow(/log level must be one of/);
  expect(() => parseCommandLine([], { WINDFLOW_DATABASE_URL: 'mysql://x' })).toThrow(/postgres:\/\//);
  expect(() => parseCommandLine(['--colour'], {})).toThrow(ConfigError);
  expect(() => parseCommandLine(['--tls-cert', 'cert.pem'], {})).toThrow(/both --tls-cert and --tls-key/);
});

test('a certificate and its key together turn HTTPS on', () => {
  expect(parseCommandLine([], {}).config.tls).toBeUndefined();
  expect(
    parseCommandLine(['--tls-cert', '/etc/windflow/cert.pem'], { WINDFLOW_TLS_KEY: '/etc/windflow/key.pem' })
      .config.tls,
  ).toEqual({ certFile: '/etc/windflow/cert.pem', keyFile: '/etc/windflow/key.pem' });
});

test('a postgres URL selects PostgreSQL', () => {
  const url = 'postgresql://u:p@db/windflow';
  expect(parseCommandLine(['--database-url', url], {}).config.databaseUrl).toBe(url);
});

test('logs are JSON lines filtered by level, with bound fields and errors readable', () => {
  const lines: string[] = [];
  const logger = createLogger('info', (line) => lines.push(line)).child({ component: 'test' });
  logger.debug('hidden');
  logger.warn('disk low', { error: new Error('ENOSPC') });
  expect(lines).toHaveLength(1);
  expect(JSON.parse(lines[0] as string)).toMatchObject({
    level: 'warn',
    msg: 'disk low',
    component: 'test',
    error: { name: 'Error', message: 'ENOSPC' },
  });
});
