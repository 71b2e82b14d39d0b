// What an HTTP client is told when the store failed: always 503 (nothing was written), never which file or server.
import { StoreBusyError, StoreCorruptError, StoreError, StoreFullError, StoreReadOnlyError, StoreUnavailableError } from '../errors.js'

/** The detail and headers of the 503 for a store failure; Retry-After when trying again may help. */
export function storeFailure(error: StoreError): { detail: string; headers: Record<string, string> } {
  if (error instanceof StoreBusyError) return { detail: 'the store is busy with another process; try again later', headers: { 'retry-after': String(error.retryAfterSeconds) } }
  if (error instanceof StoreUnavailableError) return { detail: 'the store is unavailable; try again later', headers: { 'retry-after': String(error.retryAfterSeconds) } }
  if (error instanceof StoreFullError) return { detail: 'the store cannot take writes: its disk is full', headers: { 'retry-after': '60' } }
  if (error instanceof StoreReadOnlyError) return { detail: 'the store is read-only and cannot take writes', headers: {} }
  if (error instanceof StoreCorruptError) return { detail: 'the store is damaged and cannot be read', headers: {} }
  return { detail: 'the store failed; try again later', headers: { 'retry-after': '1' } }
}
