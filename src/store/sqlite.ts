import { type SQLQueryBindings, Database as SqliteConnection } from 'bun:sqlite';
import type { Database } from './database.ts';

// bun:sqlite is synchronous and has one connection, so transactions that await other work are
// serialized here: a second transaction waits for the first to finish instead of nesting in it.
export function openSqlite(path: string): Database {
  const connection = new SqliteConnection(path, { create: true, strict: true });
  connection.run('PRAGMA journal_mode = WAL');
  connection.run('PRAGMA foreign_keys = ON');
  connection.run('PRAGMA busy_timeout = 5000');
  connection.run('PRAGMA synchronous = NORMAL');

  let transactionQueue: Promise<unknown> = Promise.resolve();
  const bind = (params: unknown[] | undefined) => (params ?? []).map(toSqlite) as SQLQueryBindings[];

  const queries: Omit<Database, 'transaction' | 'close'> = {
    dialect: 'sqlite',
    async all<T>(sql: string, params?: unknown[]) {
      return connection.query(sql).all(...bind(params)) as T[];
    },
    async get<T>(sql: string, params?: unknown[]) {
      return (connection.query(sql).get(...bind(params)) ?? undefined) as T | undefined;
    },
    async run(sql: string, params?: unknown[]) {
      return { changes: connection.query(sql).run(...bind(params)).changes };
    },
  };

  const inTransaction: Database = {
    ...queries,
    transaction: (work) => work(inTransaction),
    close: async () => {},
  };

  return {
    ...queries,
    transaction<T>(work: (tx: Database) => Promise<T>): Promise<T> {
      const result = transactionQueue.then(async () => {
        connection.run('BEGIN IMMEDIATE');
        try {
          const value = await work(inTransaction);
          connection.run('COMMIT');
          return value;
        } catch (error) {
          connection.run('ROLLBACK');
          throw error;
        }
      });
      transactionQueue = result.catch(() => undefined);
      return result;
    },
    async close() {
      await transactionQueue;
      connection.close();
    },
  };
}

function toSqlite(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === undefined) return null;
  return value;
}
