// Refuses request bodies over a size. A declared Content-Length is checked without reading anything; only a
// chunked body is counted as it streams in (Hono's bodyLimit), since touching `c.req.raw.body` builds a full
// Request object, which costs more than many a handler.
import type { Context, MiddlewareHandler, Next } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { requestHeader } from './request-header.js'

export function limitBody(maxSize: number, onTooLarge: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  const streamed = bodyLimit({ maxSize, onError: onTooLarge })
  return async (c: Context, next: Next) => {
    const length = requestHeader(c, 'content-length')
    if (length !== undefined && requestHeader(c, 'transfer-encoding') === undefined) return Number(length) > maxSize ? onTooLarge(c) : next()
    return streamed(c, next)
  }
}
