// PostgreSQL's SQLSTATE codes and the driver's connection failures as the store contract's errors: nothing outside
// src/store/postgres knows one.
import { StoreBusyError, StoreCorruptError, StoreError, StoreFullError, StoreReadOnlyError, StoreUnavailableError } from '../../errors.js'

/** SQLSTATEs of a server that went away or is not taking connections (class 08, and 57P01–57P03 shutdowns). */
const unavailableStates = new Set(['57P01', '57P02', '57P03', '53300'])

/** Codes postgres.js gives the failures that come from the socket rather than the server. */
const connectionCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT'])

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** The SQLSTATE of a server error, or undefined for any other. */
export function sqlState(error: unknown): string | undefined {
  const code = codeOf(error)
  return code !== undefined && /^[0-9A-Z]{5}$/.test(code) && (error as { severity?: unknown }).severity !== undefined ? code : undefined
}

/** A conflict between concurrent transactions that a retry resolves (serialization failure, deadlock). */
export function isRetryable(error: unknown): boolean {
  const state = sqlState(error)
  return state === '40001' || state === '40P01'
}

/** A unique index refused the write (and which constraint). */
export function uniqueViolation(error: unknown): string | undefined {
  return sqlState(error) === '23505' ? String((error as { constraint_name?: unknown }).constraint_name ?? '') : undefined
}

/**
 * The contract's error for what the driver raised on the store at `display` (the URL without its password); any
 * other error unchanged. The driver's own message is kept only when it cannot carry the password.
 */
export function postgresStoreError(display: string, error: unknown): unknown {
  if (error instanceof StoreError) return error
  const code = codeOf(error)
  if (code === undefined) return error
  const state = sqlState(error)
  const message = error instanceof Error ? error.message : String(error)
  if (state === undefined) {
    if (connectionCodes.has(code)) return new StoreUnavailableError(`the database ${display} cannot be reached (${code}); rolecall retries when asked again`, { cause: error, retryAfterSeconds: 2 })
    return error
  }
  if (state.startsWith('08') || unavailableStates.has(state)) return new StoreUnavailableError(`the database ${display} is unavailable: ${message}`, { cause: error, retryAfterSeconds: 2 })
  if (state === '55P03' || state === '57014') return new StoreBusyError(`the database ${display} is busy: ${message}`, { cause: error })
  if (state === '53100') return new StoreFullError(`the database ${display} cannot grow: its disk is full`, { cause: error })
  if (state === '25006') return new StoreReadOnlyError(`the database ${display} is read-only (a standby, or default_transaction_read_only); point --db at the primary`, { cause: error })
  if (state === 'XX001' || state === 'XX002') return new StoreCorruptError(`the database ${display} reports damaged data: ${message}`, { cause: error })
  if (state === '28P01' || state === '28000') return new StoreError(`the database ${display} refused the credentials (${state}); check the user and password (PGPASSWORD)`, { cause: error })
  if (state === '3D000') return new StoreError(`the database ${display} does not exist; create it first (createdb)`, { cause: error })
  if (state === '42501') return new StoreError(`the database ${display} refused an operation: ${message}`, { cause: error })
  return new StoreError(`the database ${display} failed: ${message} (${state})`, { cause: error })
}
