// A Node HTTP server whose every request goes through the pipeline (rolecall serve's, the demo's), and which, once
// told it is stopping, says `Connection: close` on every response so that keep-alive clients go elsewhere.
import { createServer, ServerResponse, type IncomingMessage, type OutgoingHttpHeader, type OutgoingHttpHeaders, type Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { nodeListener } from './node-transport.js'
import type { Pipeline } from './pipeline.js'

export type NodeServer = {
  server: Server
  /** From now on, every response (in flight or not) closes its connection after it. */
  beginStopping(): void
}

type Headers = OutgoingHttpHeaders | OutgoingHttpHeader[]

export function createNodeServer(pipeline: Pipeline, onUnexpected: (error: unknown) => void): NodeServer {
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
    owed.set(socket, { incoming, response })
    response.once('close', () => {
      if (owed.get(socket)?.response === response) owed.delete(socket)
    })
    listener(incoming, response)
  })
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    const pending = owed.get(socket)
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
    const body = JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', detail: 'the request is not valid HTTP/1.1' })
    socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/scim+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
  })
  return {
    server,
    beginStopping: () => {
      isStopping = true
    },
  }
}
