// A Node HTTP server whose every request goes through the pipeline (rolecall serve's, the demo's), and which, once
// told it is stopping, says `Connection: close` on every response so that keep-alive clients go elsewhere.
import { createServer, maxHeaderSize, ServerResponse, type IncomingMessage, type OutgoingHttpHeader, type OutgoingHttpHeaders, type Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { clientErrorRefuser } from './client-error.js'
import { nodeListener } from './node-transport.js'
import type { Pipeline } from './pipeline.js'

export type NodeServer = {
  server: Server
  /** From now on, every response (in flight or not) closes its connection after it. */
  beginStopping(): void
}

type Headers = OutgoingHttpHeaders | OutgoingHttpHeader[]

/** Told of each request refused before routing (a request line over the parser's limit, a timeout, bytes that are no HTTP). */
export type OnRefused = (refusal: { status: number; code: string | undefined }) => void

export function createNodeServer(pipeline: Pipeline, onUnexpected: (error: unknown) => void, onRefused: OnRefused = () => undefined): NodeServer {
  let isStopping = false
  /**
   * A keep-alive client would otherwise send its next request on a connection the server is about to close, and be
   * reset. Checked as the head is written; one boolean per response.
   */
  class ClosingAwareResponse extends ServerResponse<IncomingMessage> {
    // Node itself calls writeHead for a response ended without one. setHeader's headers merge with `headers`.
    override writeHead(statusCode: number, reasonOrHeaders?: string | Headers, headers?: Headers): this {
      if (isStopping) this.setHeader('connection', 'close')
      return typeof reasonOrHeaders === 'object' ? super.writeHead(statusCode, reasonOrHeaders) : super.writeHead(statusCode, reasonOrHeaders, headers)
    }
  }
  const listener = nodeListener(pipeline, onUnexpected)
  /** The response a connection still owes: bytes the parser cannot read must not be answered before it. */
  const owed = new WeakMap<Duplex, { incoming: IncomingMessage; response: ServerResponse }>()
  const server = createServer({ ServerResponse: ClosingAwareResponse }, (incoming, response) => {
    const { socket } = incoming
    // The latest request of its connection: once its response has ended, nothing is owed (no listener per request).
    owed.set(socket, { incoming, response })
    listener(incoming, response)
  })
  const refuse = clientErrorRefuser()
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    const latest = owed.get(socket)
    const pending = latest === undefined || latest.response.writableEnded ? undefined : latest
    const refuseHere = () => {
      const { headersTimeout, requestTimeout } = server
      const status = refuse({ error, socket, pending: pending?.response, headersTimeoutMs: headersTimeout, requestTimeoutMs: requestTimeout, maxHeaderSize, now: new Date() })
      if (status !== undefined) onRefused({ status, code: error.code })
    }
    // A request out of time (RFC 9110 §15.5.9), its body still arriving or not, is answered 408 and its connection
    // cut at once: what is left of its body must never complete into a request that is carried out.
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      refuseHere()
      return
    }
    // The client is gone, or went quiet before the end of a body it announced: so is its request, whose body read
    // fails once the socket is closed (a 499).
    if (error.code === 'ECONNRESET' || !socket.writable || pending?.incoming.complete === false) {
      socket.destroy()
      return
    }
    // Bytes after a request that declared no body (a DELETE with an unframed body, say) are no request. Node would
    // answer them with a 400 at once, ahead of the answer still owed to the request before them: that request
    // may have been carried out, and its client would read the 400 as its answer. Owe it its own answer, then close.
    if (pending !== undefined) {
      pending.response.shouldKeepAlive = false
      pending.response.once('close', () => socket.destroy())
      return
    }
    refuseHere()
  })
  return {
    server,
    beginStopping: () => {
      isStopping = true
    },
  }
}
