// A request and its reply as the request pipeline sees them, whatever carried them (a Node socket, a Fetch Request).
// Transports translate to and from these; everything else (routing, guards, handlers) works on them alone.

/** A request as a transport hands it to the pipeline. */
export type HttpRequest = {
  /** Upper case, as sent. */
  readonly method: string
  /** The request target's path, as sent: percent-escapes are kept, and no query. */
  readonly path: string
  /** The query string without its `?`; empty when there is none. */
  readonly search: string
  /** The host and port the client addressed (the Host header, or a Fetch Request's URL), as sent. */
  readonly authority: string | undefined
  readonly scheme: 'http' | 'https'
  /** A header by lower-case name; a repeated header's values joined with ", ". */
  header(name: string): string | undefined
  /**
   * The body's bytes, or undefined as soon as it is larger than `maxBytes` (the rest is left unread). Rejects with
   * ClientClosedError when the client goes away before sending all of it. Called at most once.
   */
  body(maxBytes: number): Promise<Uint8Array | undefined>
}

/** A reply as the pipeline hands it to a transport, which writes it and decides nothing. */
export type HttpReply = {
  status: number
  headers: Record<string, string>
  /** The body; '' for none. */
  body: string
  /** The body's length in UTF-8 bytes when already known (saves measuring it again). */
  bytes: number | undefined
}

/** A reply, built in one shape whatever it carries (hot paths read replies of one shape faster). */
export function reply(status: number, headers: Record<string, string>, body: string, bytes?: number): HttpReply {
  return { status, headers, body, bytes }
}

/**
 * The headers a reply is written with: its own, and its body's length (a 204 or 304 has no body and no length,
 * RFC 9110 §8.6; a HEAD reply carries the length the pipeline gave it). Both transports write these.
 */
export function headersToWrite(reply: HttpReply): Record<string, string> {
  const { headers, body } = reply
  if (body !== '' || (reply.status !== 204 && reply.status !== 304 && headers['content-length'] === undefined)) {
    headers['content-length'] = String(reply.bytes ?? Buffer.byteLength(body))
  }
  return headers
}

/** A JSON reply (`content-type` as given). */
export function jsonReply(value: unknown, status = 200, headers: Record<string, string> = {}, contentType = 'application/json'): HttpReply {
  return reply(status, { 'content-type': contentType, ...headers }, JSON.stringify(value))
}

/** A reply with no body. */
export function emptyReply(status: number, headers: Record<string, string> = {}): HttpReply {
  return reply(status, headers, '')
}

/** A plain-text reply. */
export function textReply(text: string, status = 200, headers: Record<string, string> = {}): HttpReply {
  return reply(status, { 'content-type': 'text/plain; charset=UTF-8', ...headers }, text)
}
