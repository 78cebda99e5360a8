// Structured logs: one JSON object per line on stderr, so journald and log shippers can parse them.
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
  /** Whether lines of this level are written, to skip gathering fields nobody will see. */
  enabled(level: LogLevel): boolean;
}

export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stderr.write(line),
  bound: LogFields = {},
): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const emit = (at: LogLevel) => (message: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(at) < threshold) return;
    const entry = { time: new Date().toISOString(), level: at, msg: message, ...bound, ...fields };
    write(`${JSON.stringify(entry, serializeErrors)}\n`);
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) => createLogger(level, write, { ...bound, ...fields }),
    enabled: (at) => LOG_LEVELS.indexOf(at) >= threshold,
  };
}

function serializeErrors(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}
