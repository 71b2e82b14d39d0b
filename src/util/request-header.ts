// A request header by lower-case name. Under @hono/node-server Node has parsed the headers already; asking Hono
// (c.req.header) builds a Fetch Headers object from them first, which costs more than many a handler.
import type { Context } from 'hono'

type NodeBindings = { incoming?: { headers: Record<string, string | string[] | undefined> } }

export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = (c.env as NodeBindings | undefined)?.incoming
  if (incoming === undefined) return c.req.header(name)
  const value = incoming.headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}
