// Connections to PostgreSQL: one pool per store object, with bounded waits, and messages that never show a password.
import postgres from 'postgres'

export type PostgresPoolOptions = {
  /** Connections in the pool (default 10). */
  max?: number
  /** Seconds to wait for a new connection to the server (default 5). */
  connectTimeoutSeconds?: number
  /** Seconds an unused connection stays open (default 60). */
  idleTimeoutSeconds?: number
  /** Every transaction read-only (commands that only read): a write fails on the server. */
  readonly?: boolean
}

export type Sql = postgres.Sql<Record<string, never>>
export type TransactionSql = postgres.TransactionSql<Record<string, never>>

/**
 * A pool for `url`. The password comes from the URL or, when it has none, PGPASSWORD; `sslmode` in the URL is
 * honoured by the driver. bigint columns (revisions, row ids) come back as numbers: they stay far below 2^53.
 */
export function connectPool(url: string, options: PostgresPoolOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    idle_timeout: options.idleTimeoutSeconds ?? 60,
    onnotice: () => undefined,
    types: {
      bigint: { to: 20, from: [20], serialize: (value: number) => String(value), parse: (text: string) => Number(text) },
      // Documents are sent as their JSON text and read back as values (json keeps the text as sent).
      json: { to: 114, from: [114], serialize: (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value)), parse: (text: string) => JSON.parse(text) as unknown },
    },
    transform: { undefined: null },
    connection: { application_name: 'rolecall', ...(options.readonly === true ? { default_transaction_read_only: true } : {}) },
    ...(process.env['PGPASSWORD'] === undefined || new URL(url).password !== '' ? {} : { pass: process.env['PGPASSWORD'] }),
  }) as unknown as Sql
}
