// The SCIM 2.0 endpoint at /scim/v2, as areas of the request pipeline: discovery without auth; Users and Groups
// behind a connection's token. Every answer under /scim/v2 that is not a success is an RFC 7644 §3.12 error body.
import { ScimError } from '../errors.js'
import { fetchHandler, requester } from '../http/fetch-transport.js'
import { createPipeline, type Area, type ErrorStyle, type Exchange, type Guard, type OnUnexpected, type Route } from '../http/pipeline.js'
import type { Store } from '../store/store.js'
import { bearerToken } from '../util/bearer.js'
import { discoveryRoutes } from './discovery.js'
import { scimErrorReply, toScimError } from './errors.js'
import { groupRoutes } from './groups.js'
import { baseUrl, maxBodyBytes } from './http.js'
import { userRoutes } from './users.js'
import { notUtf8Error } from './text.js'
import { rootSearchRoutes } from './root-search.js'

export type ScimAppOptions = {
  store: Store
  /** Called with failures that are not the client's fault (500s). */
  onUnexpected?: OnUnexpected
}

export const scimPrefix = '/scim/v2'

const challenge = { 'www-authenticate': 'Bearer realm="rolecall-scim"' }

/** How every SCIM area answers what its handlers do not. */
function scimErrors(onUnexpected: OnUnexpected | undefined): ErrorStyle {
  return {
    failure: (error, exchange) => {
      const mapped = toScimError(error)
      if (mapped.isUnexpected) onUnexpected?.(error, exchange.requestId)
      return scimErrorReply(mapped.error, mapped.error.status === 401 ? challenge : {})
    },
    notFound: () => scimErrorReply(new ScimError(404, undefined, 'no such SCIM endpoint')),
    /**
     * RFC 7644 §3.12 has no row for a method an existing endpoint does not take: its 404 is for a resource or
     * endpoint that "does not exist" (this one does), its 501 for an operation the provider supports nowhere; 405
     * with Allow is HTTP's answer (RFC 9110 §15.5.6), and e.g. Databricks' SCIM API gives it too.
     */
    methodNotAllowed: (exchange, allowed) => scimErrorReply(new ScimError(405, undefined, `${exchange.request.method} is not supported on ${exchange.request.path}; use ${allowed.join(', ')}`), { allow: allowed.join(', ') }),
    tooLarge: (maxBytes) => scimErrorReply(new ScimError(413, undefined, `request body exceeds ${maxBytes} bytes`)),
    notUtf8: (bytes) => scimErrorReply(notUtf8Error(bytes)),
  }
}

/** RFC 7644 §3.12 501 "does not support the requested operation": /Me (§3.11), /Bulk (§3.7). */
function notImplemented(path: string, what: string): Route[] {
  const handle = () => scimErrorReply(new ScimError(501, undefined, `${what} is not supported by this service provider`))
  // The exact path as well, so that /metrics counts it as `/scim/v2/Me`.
  return [path, `${path}/*`].map((each) => ({ method: '*', path: each, handle }))
}

/**
 * The bearer token's connection, before anything else under /Users and /Groups (their 404s and 405s included):
 * the connection comes from the token alone (X-Tenant-ID and friends change nothing).
 */
function authenticate(store: Store): Guard {
  return async (exchange: Exchange) => {
    const bearer = bearerToken(exchange.header('authorization'))
    const connection = bearer === undefined ? undefined : await store.authenticate(bearer)
    if (connection === undefined) {
      return scimErrorReply(new ScimError(401, undefined, bearer === undefined ? 'a bearer token is required' : 'the bearer token is not valid'), challenge)
    }
    exchange.connection = connection
    // A Host header that names no host (`999.0.0.1`) is refused here, before any write: answering a committed POST
    // with a 400 would make the IdP send it again (RFC 9112 §3.2: 400).
    baseUrl(exchange)
    return undefined
  }
}

/** The SCIM endpoint's areas of the request pipeline (server/app.ts composes them with the others). */
export function scimAreas(options: ScimAppOptions): Area[] {
  const { store } = options
  const errors = scimErrors(options.onUnexpected)
  const guard = authenticate(store)
  return [
    {
      prefix: scimPrefix,
      errors,
      routes: [
        ...discoveryRoutes(),
        // Before authentication: what is unsupported is public anyway (ServiceProviderConfig says bulk.supported false).
        ...notImplemented('/Me', 'The /Me alias'),
        ...notImplemented('/Bulk', 'Bulk (see ServiceProviderConfig bulk.supported)'),
      ],
    },
    // RFC 7644 §3.4.3: Users and Groups searched together, behind the token as they are.
    { prefix: `${scimPrefix}/.search`, errors, guard, routes: rootSearchRoutes(store, maxBodyBytes) },
    { prefix: `${scimPrefix}/Users`, errors, guard, routes: userRoutes(store, maxBodyBytes) },
    { prefix: `${scimPrefix}/Groups`, errors, guard, routes: groupRoutes(store, maxBodyBytes) },
  ]
}

/** The SCIM endpoint alone, in process (tests, tools): `request(url, init)` as with Hono's `app.request`. */
export function createScimApp(options: ScimAppOptions) {
  const errors = scimErrors(options.onUnexpected)
  const pipeline = createPipeline({ areas: scimAreas(options), fallback: errors, record: () => undefined })
  const fetch = fetchHandler(pipeline)
  return { fetch, request: requester(fetch), dispatch: pipeline.dispatch }
}
