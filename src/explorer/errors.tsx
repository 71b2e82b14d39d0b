// How the server's root area answers what no handler does: an HTML page for a browser, the plain answer for others.
import { StoreError } from '../errors.js'
import type { ErrorStyle, Exchange, OnUnexpected } from '../http/pipeline.js'
import { storeFailure } from '../http/store-failure.js'
import { WriteRejectedError } from '../store/store.js'
import { NotFoundPage, ProblemPage } from './pages/problem.js'
import { pageReply } from './reply.js'

function wantsHtml(exchange: Exchange): boolean {
  return /\btext\/html\b/i.test(exchange.header('accept') ?? '')
}

/** `plain` for requests that do not ask for HTML; pages that leak nothing (no message, no stack) for those that do. */
export function pageErrors(plain: ErrorStyle, onUnexpected: OnUnexpected | undefined): ErrorStyle {
  return {
    failure: (error, exchange) => {
      if (error instanceof StoreError && !(error instanceof WriteRejectedError)) {
        const { headers } = storeFailure(error)
        return pageReply(<ProblemPage title="Try again shortly" message="The store did not answer. Nothing was changed; reload the page in a moment." />, 503, headers)
      }
      onUnexpected?.(error, exchange.requestId)
      return pageReply(<ProblemPage title="Something went wrong" message="The page could not be shown. Nothing was changed. The server logged the problem." />, 500)
    },
    notFound: (exchange) => (wantsHtml(exchange) ? pageReply(<NotFoundPage />, 404) : plain.notFound(exchange)),
    methodNotAllowed: (exchange, allowed) =>
      wantsHtml(exchange) ? pageReply(<ProblemPage title="Not possible here" message="This page does not take that kind of request." />, 405, { allow: allowed.join(', ') }) : plain.methodNotAllowed(exchange, allowed),
    tooLarge: () => pageReply(<ProblemPage title="Too much" message="The form sent more than this page takes." />, 413),
    notUtf8: () => pageReply(<ProblemPage title="Unreadable form" message="The form was not sent as UTF-8." />, 400),
  }
}
