// Refuses request bodies over a size. A declared Content-Length is checked without reading anything; only a
// chunked body is counted as it streams in, since touching `c.req.raw.body` builds a full Request object, which
// costs more than many a handler.
//
// A chunked body is read into memory (up to `maxSize`, never more) before the handler runs, so this middleware
// belongs after authentication: placed before it, anyone could make the server read a body it then refuses.
import type { Context, MiddlewareHandler, Next } from 'hono'
import { ClientClosedError } from './client-closed.js'
import { requestHeader } from './request-header.js'

/** The whole body, or undefined as soon as it grows past `maxSize` (the rest is left for the server to discard). */
async function readAtMost(body: ReadableStream<Uint8Array>, maxSize: number): Promise<Uint8Array | undefined> {
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const read = await reader.read().catch((error: unknown) => {
      throw new ClientClosedError(error)
    })
    if (read.done) break
    size += read.value.length
    if (size > maxSize) return undefined
    chunks.push(read.value)
  }
  return chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks, size)
}

export function limitBody(maxSize: number, onTooLarge: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  return async (c: Context, next: Next) => {
    const length = requestHeader(c, 'content-length')
    if (length !== undefined && requestHeader(c, 'transfer-encoding') === undefined) return Number(length) > maxSize ? onTooLarge(c) : next()
    const body = c.req.raw.body
    if (body === null) return next()
    const bytes = await readAtMost(body, maxSize)
    if (bytes === undefined) return onTooLarge(c)
    c.req.raw = new Request(c.req.raw, { body: bytes })
    return next()
  }
}
