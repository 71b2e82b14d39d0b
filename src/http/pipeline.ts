// The one request pipeline: every request of every transport goes through `dispatch`, which routes it, runs its guard
// chain (the area's authentication, the route's scope, the body limit and strict UTF-8 decoding), calls its one
// handler, maps any failure to the area's error body, and records it once (request id, log line and metrics).
import { randomBytes } from 'node:crypto'
import { ClientClosedError, clientClosedStatus } from '../util/client-closed.js'
import { emptyReply, type HttpReply, type HttpRequest } from './exchange.js'
import { PathRouter } from './router.js'

/** What a route's handler works on: the request, its route, and what the guards established. */
export class Exchange {
  readonly request: HttpRequest
  /** The route pattern the request is counted under (`unmatched` when none matched). */
  readonly route: string
  readonly requestId: string
  /** The SCIM connection the bearer token belongs to; set by the SCIM areas' guard. */
  connection = ''
  /** The admin token's id; set by an admin scope guard. */
  adminTokenId = ''
  /** The body as text, for routes that take one (read, limited and decoded before the handler runs). */
  text = ''
  readonly #params: Record<string, string>
  #query: Record<string, string> | undefined

  constructor(request: HttpRequest, route: string, params: Record<string, string>, requestId: string) {
    this.request = request
    this.route = route
    this.#params = params
    this.requestId = requestId
  }

  /** A path parameter, percent-decoded (kept as sent when it is no valid escape). */
  param(name: string): string {
    return decode(this.#params[name] ?? '')
  }

  /** Every query parameter, decoded (`+` is a space); the first of a repeated one. Not to be changed. */
  queries(): Readonly<Record<string, string>> {
    if (this.#query === undefined) {
      if (this.request.search === '') return noQuery
      const query: Record<string, string> = {}
      for (const [name, value] of new URLSearchParams(this.request.search)) if (!(name in query)) query[name] = value
      this.#query = query
    }
    return this.#query
  }

  query(name: string): string | undefined {
    return this.queries()[name]
  }

  header(name: string): string | undefined {
    return this.request.header(name)
  }
}

const noQuery: Readonly<Record<string, string>> = Object.freeze({})

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** `bytes` as text, or undefined when they are not UTF-8; a leading byte order mark is dropped (RFC 8259 §8.1 lets a parser ignore it). */
function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    return undefined
  }
}

function decode(text: string): string {
  if (!text.includes('%')) return text
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** Told of a failure that is not the client's fault (the answer is a 500 that says nothing more), with its request id. */
export type OnUnexpected = (error: unknown, requestId: string) => void

export type Handler = (exchange: Exchange) => HttpReply | Promise<HttpReply>
/** A step before the handler: undefined lets the request through, a reply answers it. */
export type Guard = (exchange: Exchange) => HttpReply | undefined | Promise<HttpReply | undefined>

export type Route = {
  /** `*`: every method. */
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | '*'
  /** Below the area's prefix: `/Users/:id`, `/Me/*` (the path and everything below it); `''` for the prefix itself. */
  path: string
  handle: Handler
  /** Runs after the area's guard (an admin scope). */
  guard?: Guard
  /** The largest body read, in bytes; routes without one read no body. */
  maxBody?: number
}

/** How an area answers what no handler does. */
export type ErrorStyle = {
  /** Any failure of a guard or handler (an error thrown), in the request `exchange`. */
  failure(error: unknown, exchange: Exchange): HttpReply
  notFound(exchange: Exchange): HttpReply
  /** A method the endpoint does not take: 405 with Allow (RFC 9110 §15.5.6). */
  methodNotAllowed(exchange: Exchange, allowed: string[]): HttpReply
  /** A body over the route's limit. */
  tooLarge(maxBytes: number): HttpReply
  /** A body that is not UTF-8 (`bytes`, to say where). */
  notUtf8(bytes: Uint8Array): HttpReply
}

/** Routes under one path prefix with one error style, behind one guard. */
export type Area = {
  prefix: string
  errors: ErrorStyle
  /** Runs before every route of the area, and before its 404s and 405s (so that they say nothing to strangers). */
  guard?: Guard
  routes: Route[]
}

export type RequestRecord = { method: string; route: string; path: string; status: number; seconds: number; requestId: string; connection?: string }

export type PipelineOptions = {
  areas: Area[]
  /** Answers a path no area covers. */
  fallback: ErrorStyle
  /** Called once per request with what it is logged and counted as. */
  record: (record: RequestRecord) => void
}

const methodOrder = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']

type Endpoint = { area: Area; methods: Map<string, Route>; allowed: string[] }

const requestIdPattern = /^[\w.:@/+=-]{1,128}$/

/** `x-request-id` as a load balancer or client sent it (echoed, so that logs on both sides meet), else a new one. */
function requestIdOf(request: HttpRequest, next: () => string): string {
  const sent = request.header('x-request-id')
  return sent !== undefined && requestIdPattern.test(sent) ? sent : next()
}

export type Pipeline = {
  dispatch: (request: HttpRequest) => Promise<HttpReply>
  /** Every route, as its full pattern (`/api/v1/users/:user/access`) and method, in the order the areas list them. */
  routes: () => { method: Route['method']; path: string }[]
}

export function createPipeline(options: PipelineOptions): Pipeline {
  const router = new PathRouter<Endpoint>()
  const areas = [...options.areas].sort((a, b) => b.prefix.length - a.prefix.length)
  for (const area of options.areas) {
    const byPath = new Map<string, Endpoint>()
    for (const route of area.routes) {
      let endpoint = byPath.get(route.path)
      if (endpoint === undefined) byPath.set(route.path, (endpoint = { area, methods: new Map(), allowed: [] }))
      endpoint.methods.set(route.method, route)
    }
    for (const [path, endpoint] of byPath) {
      // HEAD is answered by GET (RFC 9110 §9.3.2). Listed in one order, whatever order the routes came in.
      const methods = new Set([...endpoint.methods.keys(), ...(endpoint.methods.has('GET') ? ['HEAD'] : [])])
      endpoint.allowed = methodOrder.filter((method) => methods.has(method))
      router.add(`${area.prefix}${path}`, endpoint)
    }
  }
  const areaOf = (path: string): Area | undefined => areas.find((area) => path === area.prefix || path.startsWith(`${area.prefix}/`))

  // Request ids: a random prefix per process and a counter, unique across replicas and restarts, and cheap.
  const idPrefix = randomBytes(6).toString('base64url')
  let counter = 0
  const nextId = () => `${idPrefix}-${(++counter).toString(36)}`

  const answer = async (exchange: Exchange, endpoint: Endpoint | undefined, area: Area | undefined): Promise<HttpReply> => {
    const errors = area?.errors ?? options.fallback
    try {
      if (area?.guard !== undefined) {
        const refused = await area.guard(exchange)
        if (refused !== undefined) return refused
      }
      if (endpoint === undefined) return errors.notFound(exchange)
      const method = exchange.request.method
      const route = endpoint.methods.get(method === 'HEAD' ? 'GET' : method) ?? endpoint.methods.get('*')
      if (route === undefined) return errors.methodNotAllowed(exchange, endpoint.allowed)
      if (route.guard !== undefined) {
        const refused = await route.guard(exchange)
        if (refused !== undefined) return refused
      }
      if (route.maxBody !== undefined) {
        const bytes = await exchange.request.body(route.maxBody)
        if (bytes === undefined) return errors.tooLarge(route.maxBody)
        // Decoded strictly: a replacement character for every bad byte would let different byte strings become one name.
        const text = decodeUtf8(bytes)
        if (text === undefined) return errors.notUtf8(bytes)
        exchange.text = text
      }
      return await route.handle(exchange)
    } catch (error) {
      // Not a failure of ours (see util/client-closed.ts): recorded as 499, and nobody is left to answer.
      if (error instanceof ClientClosedError) return emptyReply(clientClosedStatus)
      return errors.failure(error, exchange)
    }
  }

  return {
    routes: () => options.areas.flatMap((area) => area.routes.map((route) => ({ method: route.method, path: `${area.prefix}${route.path}` }))),
    dispatch: async (request) => {
      const started = performance.now()
      const match = router.match(request.path)
      const endpoint = match?.value
      const exchange = new Exchange(request, match?.pattern ?? 'unmatched', match?.params ?? {}, requestIdOf(request, nextId))
      const reply = await answer(exchange, endpoint, endpoint?.area ?? areaOf(request.path))
      reply.headers['x-request-id'] = exchange.requestId
      if (request.method === 'HEAD' && reply.body !== '') {
        reply.headers['content-length'] = String(reply.bytes ?? Buffer.byteLength(reply.body))
        reply.body = ''
        reply.bytes = 0
      }
      const seconds = (performance.now() - started) / 1000
      options.record({ method: request.method, route: exchange.route, path: request.path, status: reply.status, seconds, requestId: exchange.requestId, connection: exchange.connection === '' ? undefined : exchange.connection })
      return reply
    },
  }
}
