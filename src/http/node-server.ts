// A Node HTTP server whose every request goes through the pipeline (rolecall serve's, the demo's), and which, once
// told it is stopping, says `Connection: close` on every response so that keep-alive clients go elsewhere.
import { createServer, ServerResponse, type IncomingMessage, type OutgoingHttpHeader, type OutgoingHttpHeaders, type Server } from 'node:http'
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
  const server = createServer({ ServerResponse: ClosingAwareResponse }, nodeListener(pipeline, onUnexpected))
  return {
    server,
    beginStopping: () => {
      isStopping = true
    },
  }
}
