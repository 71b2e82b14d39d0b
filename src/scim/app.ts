// The SCIM 2.0 Hono app, mounted at /scim/v2: discovery without auth; Users and Groups behind a connection's token.
import { Hono, type Context, type Next } from 'hono'
import { ScimError } from '../errors.js'
import type { Store } from '../store/store.js'
import { limitBody } from '../util/body-limit.js'
import { discoveryRoutes } from './discovery.js'
import { scimErrorResponse, toScimError } from './errors.js'
import { groupRoutes } from './groups.js'
import { baseUrl, maxBodyBytes, type ScimEnv } from './http.js'
import { userRoutes } from './users.js'
import { requestHeader } from '../util/request-header.js'
import { bearerToken } from '../util/bearer.js'
import { ClientClosedError, clientClosedResponse } from '../util/client-closed.js'

export type ScimAppOptions = {
  store: Store
  /** Called with failures that are not the client's fault (500s). */
  onUnexpected?: (error: unknown) => void
}

const challenge = { 'www-authenticate': 'Bearer realm="rolecall-scim"' }

const reads = ['GET', 'HEAD']
/** The methods whose Users and Groups handlers read a request body. */
const bodyMethods = new Set(['POST', 'PUT', 'PATCH'])
const resource = [...reads, 'PUT', 'PATCH', 'DELETE']
/**
 * Every path the SCIM routes serve and the methods they take there (Hono answers HEAD with GET). Keep in step with
 * discovery.ts, users.ts and groups.ts: a path missing here answers its unsupported methods with 404 instead of 405.
 */
const endpoints: ReadonlyArray<readonly [path: string, methods: string[]]> = [
  ['/ServiceProviderConfig', reads],
  ['/Schemas', reads],
  ['/Schemas/:id', reads],
  ['/ResourceTypes', reads],
  ['/ResourceTypes/:name', reads],
  ['/Users', [...reads, 'POST']],
  ['/Users/.search', ['POST']],
  ['/Users/:id', resource],
  ['/Groups', [...reads, 'POST']],
  ['/Groups/.search', ['POST']],
  ['/Groups/:id', resource],
]

/**
 * A method an existing endpoint does not take: 405 with Allow (RFC 9110 §15.5.6). RFC 7644 §3.12 has no row for
 * it: its 404 is for a resource or endpoint that "does not exist" (this one does), its 501 for an operation the
 * provider supports nowhere ("e.g., PATCH"); 405 is HTTP's answer, and e.g. Databricks' SCIM API gives it too.
 */
function methodNotAllowed(methods: string[]) {
  return (c: Context) =>
    scimErrorResponse(new ScimError(405, undefined, `${c.req.method} is not supported on ${c.req.path}; use ${methods.join(', ')}`), { allow: methods.join(', ') })
}

/** RFC 7644 §3.12 501 "does not support the requested operation": /Me (§3.11), /Bulk (§3.7), root /.search (§3.4.3). */
function notImplemented(what: string) {
  return () => scimErrorResponse(new ScimError(501, undefined, `${what} is not supported by this service provider`))
}

/** The methods the endpoint at `path` (below /scim/v2) takes, or undefined when there is no such endpoint. */
function endpointMethods(path: string): string[] | undefined {
  const segments = path.split('/').filter((segment) => segment !== '')
  for (const [pattern, methods] of endpoints) {
    const parts = pattern.split('/').filter((part) => part !== '')
    if (parts.length === segments.length && parts.every((part, i) => part.startsWith(':') || part === segments[i])) return methods
  }
  return undefined
}

/**
 * The answer under /scim/v2 when no route answered: 405 with Allow for a method an endpoint does not take, else 404.
 * A not-found handler, not catch-all routes, which would join every request's handler chain. server/app.ts, which
 * mounts this app, calls it too.
 */
export function scimNotFound(c: Context): Response {
  const methods = endpointMethods(c.req.path.slice(c.req.path.indexOf('/scim/v2') + '/scim/v2'.length))
  if (methods !== undefined && !methods.includes(c.req.method)) return methodNotAllowed(methods)(c)
  return scimErrorResponse(new ScimError(404, undefined, 'no such SCIM endpoint'))
}

/** The answer to a request that failed with `error`: the Hono app's and the direct writes' (server/direct-scim-writes.ts). */
export function scimFailure(error: unknown, onUnexpected?: (error: unknown) => void): Response {
  // Not a failure of ours: recorded as 499 at info level (see util/client-closed.ts), and nobody is left to answer.
  if (error instanceof ClientClosedError) return clientClosedResponse()
  const mapped = toScimError(error)
  if (mapped.isUnexpected) onUnexpected?.(error)
  return scimErrorResponse(mapped.error, mapped.error.status === 401 ? challenge : {})
}

/** The SCIM app; its routes start at `/scim/v2`. Every answer under it is an RFC 7644 §3.12 body when not a success. */
export function createScimApp(options: ScimAppOptions): Hono<ScimEnv> {
  const { store } = options
  const app = new Hono<ScimEnv>()

  app.onError((error) => scimFailure(error, options.onUnexpected))
  app.notFound(scimNotFound)

  const scim = new Hono<ScimEnv>()
  const tooLarge = () => scimErrorResponse(new ScimError(413, undefined, `request body exceeds ${maxBodyBytes} bytes`))
  const limitedBody = limitBody(maxBodyBytes, tooLarge)
  scim.route('/', discoveryRoutes())
  // Before authentication: what is unsupported is public anyway (ServiceProviderConfig says bulk.supported false).
  // `/Me/*` matches `/Me` too; the exact path as well, so that /metrics counts it as `/scim/v2/Me`.
  for (const path of ['/Me', '/Me/*']) scim.all(path, notImplemented('The /Me alias'))
  for (const path of ['/Bulk', '/Bulk/*']) scim.all(path, notImplemented('Bulk (see ServiceProviderConfig bulk.supported)'))
  scim.all('/.search', notImplemented('Searching every resource type at the root'))

  const authenticate = async (c: Context<ScimEnv>, next: Next) => {
    const bearer = bearerToken(requestHeader(c, 'authorization'))
    // The connection comes from the token alone: X-Tenant-ID and friends change nothing.
    const connection = bearer === undefined ? undefined : await store.authenticate(bearer)
    if (connection === undefined) {
      return scimErrorResponse(new ScimError(401, undefined, bearer === undefined ? 'a bearer token is required' : 'the bearer token is not valid'), challenge)
    }
    c.set('connection', connection)
    // A Host header that names no host (`999.0.0.1`, which @hono/node-server lets through) is refused here, before
    // any write: answering a committed POST with a 400 would make the IdP send it again (RFC 9112 §3.2: 400).
    baseUrl(c)
    // `GET /Users/.search` would otherwise be `GET /Users/:id` for a user named ".search". Checked here rather than by
    // routes of its own: those would make Hono give up its regular-expression router for every request (measured:
    // GET /Users/{id} lost a fifth of its throughput).
    if (c.req.method !== 'POST' && c.req.path.endsWith('/.search')) return methodNotAllowed(['POST'])(c)
    // The body only once the token is good: a chunked one is read into memory by limitBody, and nobody without a
    // token may make the server read anything. Only the methods whose handlers read a body pay for it. Routes
    // that take no token (discovery, /Me, /Bulk, unknown paths) never read the body: the server discards it.
    if (bodyMethods.has(c.req.method)) return limitedBody(c, next)
    await next()
    return undefined
  }
  // `/Users/*` matches `/Users` as well: one registration each, or a list would authenticate twice.
  scim.use('/Users/*', authenticate)
  scim.use('/Groups/*', authenticate)
  scim.route('/Users', userRoutes(store))
  scim.route('/Groups', groupRoutes(store))

  app.route('/scim/v2', scim)
  return app
}
