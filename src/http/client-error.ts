// What the server writes on the socket when Node's HTTP parser gives up on a request: an RFC 7644 error body.
import type { ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'

// RFC 7644 §3.12. No route has been chosen yet, so every refusal is in the SCIM error shape, the server's main client's.
const errorSchema = 'urn:ietf:params:scim:api:messages:2.0:Error'
const scimContentType = 'application/scim+json'

/** What the server knew when the parser gave up. */
export type ClientErrorContext = {
  /** Node's error code: an `HPE_*` parser code, `ERR_HTTP_REQUEST_TIMEOUT`, or a socket error such as `ECONNRESET`. */
  code: string | undefined
  /** The bytes the parser was reading when it failed (`error.rawPacket`); they may start mid-request. */
  rawPacket: Uint8Array | undefined
  /** Whether Node had parsed the request's headers and handed it to the request listener. */
  hasRequest: boolean
  /** The most bytes the parser accepts for the request line and headers together (`http.maxHeaderSize`). */
  maxHeaderSize: number
  headersTimeoutMs: number
  requestTimeoutMs: number
}

/** An answer written straight to the socket: there is no ServerResponse to write it with. */
export type ClientErrorResponse = {
  status: 400 | 408 | 413 | 414 | 431
  scimType?: 'invalidFilter'
  detail: string
}

const reasons: Record<ClientErrorResponse['status'], string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Content Too Large',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
}

/** The request line at the start of `rawPacket`, or undefined when the packet does not start with one. */
export function requestLineOf(rawPacket: Uint8Array | undefined): { target: string; length: number; isComplete: boolean } | undefined {
  if (rawPacket === undefined) return undefined
  // A method is a token (RFC 9110 §9.1); the target runs to the next space (RFC 9112 §3).
  const text = Buffer.from(rawPacket.buffer, rawPacket.byteOffset, rawPacket.byteLength).toString('latin1')
  const start = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ ([^ \r\n]*)/.exec(text)
  if (start === null) return undefined
  const end = text.indexOf('\n')
  return { target: start[1] ?? '', length: end === -1 ? text.length : end, isComplete: end !== -1 }
}

function seconds(ms: number): string {
  return `${ms / 1000} s`
}

/**
 * The answer to a request the parser refused, or undefined when there is no one to answer (the client reset the
 * connection, or it is gone). A request line that takes up at least half of the parser's limit, or that the limit
 * cut short, is the reason for the overflow: that is a 414 (RFC 9110 §15.5.15), and a SCIM client is told where a
 * long filter goes instead. Otherwise the header fields are: a 431 (RFC 6585 §5).
 */
export function clientErrorResponse(context: ClientErrorContext): ClientErrorResponse | undefined {
  const { code, maxHeaderSize } = context
  if (code === 'ECONNRESET' || code === 'EPIPE') return undefined
  switch (code) {
    case 'HPE_HEADER_OVERFLOW': {
      const limit = `the ${maxHeaderSize}-byte limit on the request line and headers together`
      const line = requestLineOf(context.rawPacket)
      if (line === undefined || (line.isComplete && line.length * 2 < maxHeaderSize)) {
        return { status: 431, detail: `request header fields exceed ${limit} (RFC 6585 §5)` }
      }
      const path = line.target.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/, '')
      if (!path.startsWith('/scim/')) return { status: 414, detail: `request URI exceeds ${limit} (RFC 9110 §15.5.15)` }
      // RFC 7644 §3.4.3: a query sent as a POST body to .search is bound by the body limit, not the parser's.
      const resource = /^\/scim\/v2\/Groups(?:[/?#]|$)/.test(path) ? 'Groups' : 'Users'
      return {
        status: 414,
        scimType: 'invalidFilter',
        detail: `request URI exceeds ${limit}; send a long filter in a request body instead: use POST /scim/v2/${resource}/.search (RFC 7644 §3.4.3) with the filter, attributes and paging of the query`,
      }
    }
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, detail: 'chunk extensions of the request body are too large' }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      // The headers timeout runs until the headers are in; the request timeout until the body is (RFC 9110 §15.5.9).
      return context.hasRequest
        ? { status: 408, detail: `the request was not received in full within ${seconds(context.requestTimeoutMs)}` }
        : { status: 408, detail: `the request's headers were not received within ${seconds(Math.min(context.headersTimeoutMs, context.requestTimeoutMs))}` }
    default:
      return { status: 400, detail: 'the request is not valid HTTP/1.1' }
  }
}

/** `response` as the bytes of an HTTP/1.1 message that closes the connection, dated `now` (RFC 9110 §6.6.1). */
export function clientErrorMessage(response: ClientErrorResponse, now: Date): string {
  const body = JSON.stringify({
    schemas: [errorSchema],
    status: String(response.status),
    ...(response.scimType === undefined ? {} : { scimType: response.scimType }),
    detail: response.detail,
  })
  const head = [
    `HTTP/1.1 ${response.status} ${reasons[response.status]}`,
    `Content-Type: ${scimContentType}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    `Date: ${now.toUTCString()}`,
    'Connection: close',
  ]
  return `${head.join('\r\n')}\r\n\r\n${body}`
}

/** How long a refused client may go on sending before the connection is cut: closing on unread bytes resets it. */
const lingerMs = 2000

/** What the server knows of a connection whose request the parser refused. */
export type Refused = {
  error: Error & { code?: string }
  socket: Duplex
  /** The response the connection owes the request in flight, if any. */
  pending: ServerResponse | undefined
  headersTimeoutMs: number
  requestTimeoutMs: number
  maxHeaderSize: number
  now: Date
}

/**
 * A handler for what the parser refuses on connections that owe no answer, and for requests out of time: answers once
 * per connection (the parser fails again on every byte that follows), and returns the status it wrote, if any.
 * Never throws: a client cannot end the process.
 */
export function clientErrorRefuser(): (refused: Refused) => ClientErrorResponse['status'] | undefined {
  const answered = new WeakSet<Duplex>()
  return ({ error, socket, pending, headersTimeoutMs, requestTimeoutMs, maxHeaderSize, now }) => {
    if (answered.has(socket)) return undefined
    answered.add(socket)
    const rawPacket: unknown = Reflect.get(error, 'rawPacket')
    const response =
      socket.writable && pending?.headersSent !== true
        ? clientErrorResponse({
            code: error.code,
            rawPacket: rawPacket instanceof Uint8Array ? rawPacket : undefined,
            hasRequest: pending !== undefined,
            maxHeaderSize,
            headersTimeoutMs,
            requestTimeoutMs,
          })
        : undefined
    if (response === undefined) {
      socket.destroy()
      return undefined
    }
    const message = clientErrorMessage(response, now)
    if (response.status === 408) {
      // The request may be in a handler, waiting for the rest of its body: the connection goes now, so that a
      // request answered 408 can never complete and be carried out.
      socket.write(message)
      socket.destroy()
      return response.status
    }
    // The client may still be sending what the parser refused. Closing with those bytes unread would reset the
    // connection, and the reset can reach the client before it has read the answer: read on for a while first.
    socket.end(message)
    socket.on('error', () => socket.destroy())
    const linger = setTimeout(() => socket.destroy(), lingerMs)
    linger.unref()
    socket.once('close', () => clearTimeout(linger))
    return response.status
  }
}
