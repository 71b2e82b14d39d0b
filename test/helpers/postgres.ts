// PostgreSQL for tests: the cluster the run's globalSetup started (one per run), or one this process starts.
import { inject } from 'vitest'
import { connectTo, startPostgres, type ClusterAddress, type ClusterClient, type PostgresCluster } from './postgres-server.mjs'

export { startPostgres, type ClusterClient, type PostgresCluster }

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by test/helpers/postgres-global-setup.ts. */
    postgres: ClusterAddress | undefined
  }
}

let own: Promise<PostgresCluster> | undefined

/**
 * The run's shared cluster: fresh databases on it come from `createDatabase()`. Without the globalSetup (a test
 * file run on its own config), this process starts one, removed when it exits. Never skips: it fails, saying what
 * to install, when PostgreSQL is missing.
 */
export async function testPostgres(): Promise<ClusterClient> {
  const provided = inject('postgres')
  if (provided !== undefined) return connectTo(provided)
  own ??= startPostgres()
  return own
}

/** The database name of a URL made by createDatabase. */
export function databaseOf(url: string): string {
  return new URL(url).pathname.slice(1)
}
