// Where the store lives and where the server listens: flags, then ROLECALL_* environment, then defaults.
import { UsageError } from '../errors.js'
import { storeLocation, type StoreLocation } from '../store/location.js'

export const defaultDbPath = './data/rolecall.db'
export const defaultPort = 8080
export const defaultHost = '127.0.0.1'

/**
 * The store: --db, else ROLECALL_DB (an empty one is unset), else ./data/rolecall.db; a file path (relative to
 * `cwd`) or a postgres:// URL.
 */
export function resolveStoreLocation(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): StoreLocation {
  const fromEnv = env['ROLECALL_DB']
  return storeLocation(flag ?? (fromEnv === undefined || fromEnv === '' ? defaultDbPath : fromEnv), cwd)
}

/** A TCP port; 0 asks the system for a free one. */
export function resolvePort(flag: string | undefined, env: NodeJS.ProcessEnv): number {
  const text = flag ?? env['ROLECALL_PORT']
  if (text === undefined || text === '') return defaultPort
  const port = Number(text)
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--port must be 0 to 65535 (got "${text}")`)
  return port
}

export function resolveHost(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const host = flag ?? env['ROLECALL_HOST']
  return host === undefined || host === '' ? defaultHost : host
}

/** Connection names as the Organization's `connections` spell them. */
export function checkConnectionName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) {
    throw new UsageError(`connection names are letters, digits, ".", "_" and "-" (got "${name}")`)
  }
  return name
}
