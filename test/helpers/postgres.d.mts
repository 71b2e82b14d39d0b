// Types of postgres.mjs (plain JavaScript, so that benchmarks can start a server too).

export type PostgresServer = {
  /** The server's superuser URL to the `postgres` database, with its password. */
  url: string
  host: string
  port: number
  user: string
  password: string
  /** A URL to a new, empty database. */
  createDatabase(): Promise<string>
  /** SIGKILL of the postmaster, as a crash would. */
  kill(): void
  /** Starts the server again on the same port and data (after kill or stop). */
  start(): void
  /** A clean shutdown; the data stays. */
  stop(): void
  /** Stops and removes everything. */
  destroy(): void
}

/** Starts a new cluster (see postgres.mjs). */
export function startPostgres(): Promise<PostgresServer>
