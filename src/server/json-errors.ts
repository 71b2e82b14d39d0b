// How the admin and check API (and the server's own routes) answer what their handlers do not: `{"error": "…"}`.
import { StoreError } from '../errors.js'
import { jsonReply, textReply } from '../http/exchange.js'
import type { ErrorStyle, OnUnexpected } from '../http/pipeline.js'
import { storeFailure } from '../http/store-failure.js'
import { WriteRejectedError } from '../store/store.js'

/** The error style of /api/v1; `notFound` is the API's own, or the server's plain 404 for paths outside any area. */
export function jsonErrors(onUnexpected: OnUnexpected | undefined, notFound: 'api' | 'plain'): ErrorStyle {
  return {
    failure: (error, exchange) => {
      // The store is busy, unreachable or cannot take writes: nothing was written, the client may retry.
      if (error instanceof StoreError && !(error instanceof WriteRejectedError)) {
        const { detail, headers } = storeFailure(error)
        return jsonReply({ error: detail }, 503, headers)
      }
      onUnexpected?.(error, exchange.requestId)
      return jsonReply({ error: 'internal error' }, 500)
    },
    notFound: () => (notFound === 'api' ? jsonReply({ error: 'no such API endpoint' }, 404) : textReply('404 Not Found', 404)),
    methodNotAllowed: (exchange, allowed) => jsonReply({ error: `${exchange.request.method} is not supported on ${exchange.request.path}; use ${allowed.join(', ')}` }, 405, { allow: allowed.join(', ') }),
    tooLarge: (maxBytes) => jsonReply({ error: `request body exceeds ${maxBytes} bytes` }, 413),
    notUtf8: () => jsonReply({ error: 'the request body is not valid UTF-8' }, 400),
  }
}
