// PostgreSQL's error codes (SQLSTATE) and the driver's as the store contract's errors: nothing outside
// src/store/postgres knows one of them.
import { StoreBusyError, StoreCorruptError, StoreError, StoreFullError, StoreReadOnlyError, StoreUnavailableError } from '../../errors.js'

/** The SQLSTATE (or the driver's own code) of an error, or undefined for an error that has none. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** A unique index refused the write (23505), and which constraint, when the server said. */
export function uniqueViolation(error: unknown): string | undefined {
  if (errorCode(error) !== '23505') return undefined
  const constraint = (error as { constraint_name?: unknown }).constraint_name
  return typeof constraint === 'string' ? constraint : ''
}

/** Serialization failures and deadlocks: the transaction did nothing and is run again. */
export function isRetryable(error: unknown): boolean {
  const code = errorCode(error)
  return code === '40001' || code === '40P01'
}

/** Connection-level codes of the driver and of Node's sockets: the server could not be reached or went away. */
const unreachable = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
  'QUERY_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ENOENT',
])

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * The contract's error for a driver error raised on the store at `display` (its URL without password); the
 * store's own errors unchanged. `password`, when known, is removed from any text the server sent back.
 */
export function postgresStoreError(display: string, error: unknown, password = ''): unknown {
  if (error instanceof StoreError) return error
  const code = errorCode(error)
  if (code === undefined) return error
  const scrub = (text: string) => (password === '' ? text : text.split(password).join('***'))
  const detail = scrub(messageOf(error))
  const cause = { cause: error }
  if (code === '55P03' || code === '57014' || code === 'QUEUE_TIMEOUT' || code === '53300') {
    return new StoreBusyError(`the store ${display} is busy (${code === 'QUEUE_TIMEOUT' ? 'every pooled connection is in use' : detail}); try again`, { retryAfterSeconds: 1, ...cause })
  }
  if (unreachable.has(code) || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53200') {
    return new StoreUnavailableError(`the store ${display} cannot be reached (${detail}); try again`, { retryAfterSeconds: 2, ...cause })
  }
  if (code === '53100') return new StoreFullError(`the store ${display} cannot grow: the database server's disk is full (${detail})`, cause)
  if (code === '25006') return new StoreReadOnlyError(`the store ${display} is read-only (a standby, or default_transaction_read_only): ${detail}`, cause)
  if (code === 'XX001' || code === 'XX002') return new StoreCorruptError(`the store ${display} is damaged (${detail}); restore it from a backup`, cause)
  if (code === '28P01' || code === '28000') return new StoreError(`cannot sign in to the store ${display}: ${detail}`, cause)
  if (code === '3D000') return new StoreError(`the store ${display} does not exist: ${detail}; create the database first`, cause)
  if (code === '42501') return new StoreError(`the store ${display} may not be accessed (permission denied): ${detail}`, cause)
  return new StoreError(`the store ${display} failed: ${detail}`, cause)
}
