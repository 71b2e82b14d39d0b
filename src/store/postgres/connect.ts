// Connecting to PostgreSQL: the URL (password from it or PGPASSWORD, sslmode honoured), the pool and its timeouts.
import { connect as connectSocket, type Socket } from 'node:net'
import postgres from 'postgres'
import { redactUrl } from '../location.js'

/** A pool of connections to the store's database. */
export type Sql = postgres.Sql
/** One connection taken from the pool for a transaction. */
export type ReservedSql = postgres.ReservedSql
/** A statement parameter as the store binds it. */
export type SqlParam = string | number | boolean | null

export type PoolOptions = {
  /** Connections kept at most (default 10). */
  poolSize?: number
  /** How long connecting may take before the store is unavailable (default 5 s). */
  connectTimeoutMs?: number
  /** How long an operation waits for a pooled connection before the store is busy (default 5 s). */
  poolWaitMs?: number
  /** How long a write waits for another writer's lock before the store is busy (default 5 s). */
  lockTimeoutMs?: number
  /**
   * Any statement running longer is stopped by the server and the store is busy; and any statement not answered
   * within the pool wait plus this long after it was issued (queued behind others on a connection, say) is given up
   * by the driver. Default: no limit (commands that read a whole large store); `serve` sets one.
   */
  statementTimeoutMs?: number
  /** Idle connections are closed after this long (default 60 s). */
  idleTimeoutMs?: number
  /**
   * Called for each round trip to the server (a write after the last answer: pipelined statements are one),
   * for benchmarks and tests that count them. Only for plain TCP connections.
   */
  onRoundTrip?: () => void
  /** Every transaction read-only (commands that only read): a write fails on the server. */
  readonly?: boolean
}

export const poolDefaults = { poolSize: 10, connectTimeoutMs: 5000, poolWaitMs: 5000, lockTimeoutMs: 5000, idleTimeoutMs: 60_000 }

const seconds = (ms: number) => Math.max(0.001, ms / 1000)

/**
 * A pool for `url`. The password comes from the URL, else from PGPASSWORD (the driver reads it); `sslmode` in
 * the URL (or PGSSLMODE) decides TLS. Nothing the pool logs or throws carries the password: see errors.ts.
 */
export function connect(url: string, options: PoolOptions = {}): Sql {
  const { onRoundTrip, readonly, statementTimeoutMs, ...rest } = options
  const settings = { ...poolDefaults, ...definedOf(rest) }
  return postgres(url, {
    ...(onRoundTrip === undefined ? {} : { socket: (_options: unknown, host: string, port: number) => countingSocket(host, port, onRoundTrip) as Promise<never> }),
    max: settings.poolSize,
    connect_timeout: seconds(settings.connectTimeoutMs),
    queue_timeout: seconds(settings.poolWaitMs),
    // Statements from several requests share a connection (pipelined): one stuck behind a lock holds up the ones
    // queued after it, which the pool wait does not cover. This bounds every statement's wait as a whole.
    ...(statementTimeoutMs === undefined ? {} : { query_timeout: seconds(settings.poolWaitMs + statementTimeoutMs) }),
    idle_timeout: seconds(settings.idleTimeoutMs),
    // Against a server that is down, attempts back off to ten a second (the driver's default grows to 20 s): a
    // refused connection costs the server nothing, and a replica serves again within 0.1 s of its database.
    backoff: (retries: number) => Math.min(0.01 * 2 ** retries, 0.1),
    onnotice: () => {},
    fetch_types: false,
    connection: {
      application_name: 'rolecall',
      lock_timeout: Math.round(settings.lockTimeoutMs),
      ...(statementTimeoutMs === undefined ? {} : { statement_timeout: Math.round(statementTimeoutMs) }),
      // A transaction left open by a vanished client must not hold the head lock for ever.
      idle_in_transaction_session_timeout: 60_000,
      // Texts are stored and compared as UTC ISO strings; nothing reads the server's clock.
      TimeZone: 'UTC',
      ...(readonly === true ? { default_transaction_read_only: true } : {}),
    },
  })
}

/** A TCP socket that calls `onRoundTrip` whenever it writes after having read (or for its first write). */
function countingSocket(host: string, port: number, onRoundTrip: () => void): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectSocket({ host, port })
    let hasRead = true
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean
    socket.write = ((...args: unknown[]) => {
      if (hasRead) onRoundTrip()
      hasRead = false
      return write(...args)
    }) as typeof socket.write
    socket.on('data', () => {
      hasRead = true
    })
    socket.once('connect', () => resolve(socket))
    socket.once('error', reject)
  })
}

function definedOf(options: Omit<PoolOptions, 'onRoundTrip' | 'readonly' | 'statementTimeoutMs'>): Partial<typeof poolDefaults> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<typeof poolDefaults>
}

/** The URL as messages may show it: its password replaced by `***`. */
export function displayOf(url: string): string {
  return redactUrl(url)
}
