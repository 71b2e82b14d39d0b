// RFC 7644 §3.12 error bodies, and the mapping of every failure to one of them.
import { ScimError, StoreError } from '../errors.js'
import type { HttpReply } from '../http/exchange.js'
import { storeFailure } from '../http/store-failure.js'
import { WriteRejectedError } from '../store/store.js'
import { scimJson } from './http.js'
import { errorSchema } from './schemas.js'

export function scimErrorReply(error: ScimError, headers: Record<string, string> = {}): HttpReply {
  return scimJson(
    { schemas: [errorSchema], status: String(error.status), ...(error.scimType === undefined ? {} : { scimType: error.scimType }), detail: error.detail },
    error.status,
    { ...error.headers, ...headers },
  )
}

/** A ScimError for any failure; unknown failures become a 500 without internals. */
export function toScimError(error: unknown): { error: ScimError; isUnexpected: boolean } {
  if (error instanceof ScimError) return { error, isUnexpected: false }
  if (error instanceof WriteRejectedError) {
    switch (error.reason) {
      case 'not-found':
        return { error: new ScimError(404, undefined, error.message), isUnexpected: false }
      case 'conflict':
        return { error: new ScimError(409, 'uniqueness', error.message), isUnexpected: false }
      case 'precondition':
        return { error: new ScimError(412, undefined, `If-Match does not match: ${error.message}`), isUnexpected: false }
      case 'unknown-member':
        return { error: new ScimError(400, 'invalidValue', error.message), isUnexpected: false }
      default: {
        const never: never = error.reason
        return { error: new ScimError(500, undefined, String(never)), isUnexpected: true }
      }
    }
  }
  if (error instanceof StoreError && !(error instanceof WriteRejectedError)) {
    // Nothing was written: the IdP may send the request again. The detail names no file or server (the message does).
    const { detail, headers } = storeFailure(error)
    return { error: new ScimError(503, undefined, detail, headers), isUnexpected: false }
  }
  return { error: new ScimError(500, undefined, 'internal error'), isUnexpected: true }
}
