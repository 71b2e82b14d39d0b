// The pipeline on a Node HTTP server: an IncomingMessage in, the reply written out. It translates, and decides
// nothing: every answer, errors included, comes from the pipeline.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ClientClosedError, clientClosedStatus } from '../util/client-closed.js'
import { headersToWrite, type HttpReply, type HttpRequest } from './exchange.js'
import type { Pipeline } from './pipeline.js'

const noBytes = new Uint8Array(0)

/** The body's bytes, or undefined once it is (or says it is) larger than `maxBytes`; rejects if the client goes. */
function readBody(incoming: IncomingMessage, maxBytes: number): Promise<Uint8Array | undefined> {
  const declared = incoming.headers['content-length']
  // Refused unread: a declared length over the limit (a chunked body is counted as it comes).
  if (declared !== undefined && incoming.headers['transfer-encoding'] === undefined && Number(declared) > maxBytes) return Promise.resolve(undefined)
  // A small body has usually arrived whole while the guards ran: taken from the stream's buffer, without listeners.
  if (incoming.complete && incoming.readableFlowing === null) {
    if (incoming.readableLength > maxBytes) {
      incoming.resume()
      return Promise.resolve(undefined)
    }
    return Promise.resolve((incoming.readableLength === 0 ? undefined : (incoming.read() as Buffer | null)) ?? noBytes)
  }
  return new Promise((resolve, reject) => {
    // Gone while the guards ran: 'close' has been emitted already.
    if (incoming.destroyed) return reject(new ClientClosedError(undefined))
    const chunks: Buffer[] = []
    let size = 0
    let isDone = false
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) {
        isDone = true
        incoming.off('data', onData)
        incoming.resume()
        resolve(undefined)
        return
      }
      chunks.push(chunk)
    }
    incoming.on('data', onData)
    incoming.on('end', () => {
      isDone = true
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size))
    })
    incoming.on('close', () => {
      if (!isDone) reject(new ClientClosedError(undefined))
    })
    incoming.on('error', (error) => {
      if (!isDone) reject(new ClientClosedError(error))
    })
  })
}

class NodeRequest implements HttpRequest {
  readonly method: string
  readonly path: string
  readonly search: string
  readonly scheme = 'http' as const
  readonly #incoming: IncomingMessage
  #isBodyRead = false

  constructor(incoming: IncomingMessage) {
    this.#incoming = incoming
    this.method = incoming.method ?? 'GET'
    let target = incoming.url ?? '/'
    // The absolute form a proxy may send (RFC 9112 §3.2.2): only its path and query count.
    if (!target.startsWith('/')) {
      try {
        const url = new URL(target)
        target = `${url.pathname}${url.search}`
      } catch {
        target = ''
      }
    }
    // A fragment is never part of a request target (RFC 9112 §3.2); a client that sends one gets it ignored.
    const hash = target.indexOf('#')
    if (hash >= 0) target = target.slice(0, hash)
    const question = target.indexOf('?')
    this.path = question < 0 ? target : target.slice(0, question)
    this.search = question < 0 ? '' : target.slice(question + 1)
  }

  get authority(): string | undefined {
    return this.#incoming.headers.host
  }

  header(name: string): string | undefined {
    const value = this.#incoming.headers[name]
    return Array.isArray(value) ? value.join(', ') : value
  }

  body(maxBytes: number): Promise<Uint8Array | undefined> {
    if (this.#isBodyRead) throw new Error('the request body is read once')
    this.#isBodyRead = true
    return readBody(this.#incoming, maxBytes)
  }
}

/** Writes `reply`; a 499 (the client went away) is not written: the socket is closed. */
export function writeNodeReply(response: ServerResponse, reply: HttpReply): void {
  if (reply.status === clientClosedStatus) {
    response.destroy()
    return
  }
  // With the head written whole, Node measures nothing again.
  response.writeHead(reply.status, headersToWrite(reply))
  response.end(reply.body)
}

/** A Node request listener that answers every request through `pipeline`. */
export function nodeListener(pipeline: Pipeline, onUnexpected: (error: unknown) => void): (incoming: IncomingMessage, response: ServerResponse) => void {
  return (incoming, response) => {
    pipeline.dispatch(new NodeRequest(incoming)).then(
      (reply) => {
        try {
          writeNodeReply(response, reply)
        } catch (error) {
          // A header value Node refuses, a socket gone: nothing more can be said to this client.
          onUnexpected(error)
          response.destroy()
        }
      },
      (error: unknown) => {
        // The pipeline maps every failure to a reply; reaching here is a bug of ours, never the client's.
        onUnexpected(error)
        response.destroy()
      },
    )
  }
}
