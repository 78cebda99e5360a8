import postgres from 'postgres';
import type { Database } from './database.ts';

type Sql = postgres.Sql | postgres.TransactionSql;

export function openPostgres(url: string): Database {
  const sql = postgres(url, { max: 10, onnotice: () => {}, connect_timeout: 10 });
  return {
    ...queriesOn(sql),
    transaction: <T>(work: (tx: Database) => Promise<T>) =>
      sql.begin((tx) => work(transactionOn(tx))) as Promise<T>,
    close: () => sql.end({ timeout: 5 }),
  };
}

function queriesOn(sql: Sql): Omit<Database, 'transaction' | 'close'> {
  const execute = (text: string, params: unknown[] = []) =>
    sql.unsafe(numberPlaceholders(text), params as postgres.ParameterOrJSON<never>[]);
  return {
    dialect: 'postgres',
    async all<T>(text: string, params?: unknown[]) {
      return [...(await execute(text, params))] as T[];
    },
    async get<T>(text: string, params?: unknown[]) {
      return (await execute(text, params))[0] as T | undefined;
    },
    async run(text: string, params?: unknown[]) {
      return { changes: (await execute(text, params)).count };
    },
  };
}

function transactionOn(tx: postgres.TransactionSql): Database {
  const inTransaction: Database = {
    ...queriesOn(tx),
    transaction: (work) => work(inTransaction),
    close: async () => {},
  };
  return inTransaction;
}

/** Rewrites `?` placeholders to `$1…$n`, leaving `?` inside quoted strings and identifiers alone. */
export function numberPlaceholders(text: string): string {
  let index = 0;
  let quote: string | undefined;
  let out = '';
  for (const char of text) {
    if (quote) {
      if (char === quote) quote = undefined;
      out += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      out += char;
    } else {
      out += char === '?' ? `$${++index}` : char;
    }
  }
  return out;
}
