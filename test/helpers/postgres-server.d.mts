// Types of postgres-server.mjs (plain JS, so that benchmarks run it without a build).

export declare const postgresBin: string

/** A running cluster's address, as one process hands it to another. */
export type ClusterAddress = { port: number; socketDir: string }

/** The superuser URL of a running cluster and what tests do with it. */
export type ClusterClient = ClusterAddress & {
  url: string
  createDatabase(): Promise<string>
  sql(database: string, text: string): Promise<string>
  dropDatabase(database: string): Promise<void>
}

/** A cluster this process started: it can also crash and restart it. */
export type PostgresCluster = ClusterClient & {
  dir: string
  stopServer(): Promise<void>
  kill(): void
  restart(): Promise<void>
  stop(): Promise<void>
}

/** Throws, saying what to install, when initdb, pg_ctl, postgres or psql is missing from `bin`. */
export declare function requirePostgres(bin?: string): void
/** `crashSafe`: acknowledged commits survive kill() (synchronous_commit=on, still no fsync). */
export declare function startPostgres(options?: { crashSafe?: boolean }): Promise<PostgresCluster>
export declare function describeCluster(cluster: ClusterAddress): ClusterAddress
export declare function connectTo(address: ClusterAddress): ClusterClient
