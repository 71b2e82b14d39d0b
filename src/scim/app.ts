// The SCIM 2.0 Hono app, mounted at /scim/v2: discovery without auth; Users and Groups behind a connection's token.
import { Hono, type Context, type Next } from 'hono'
import { ScimError } from '../errors.js'
import type { Store } from '../store/store.js'
import { limitBody } from '../util/body-limit.js'
import { discoveryRoutes } from './discovery.js'
import { scimErrorResponse, toScimError } from './errors.js'
import { groupRoutes } from './groups.js'
import { maxBodyBytes, type ScimEnv } from './http.js'
import { userRoutes } from './users.js'
import { requestHeader } from '../util/request-header.js'

export type ScimAppOptions = {
  store: Store
  /** Called with failures that are not the client's fault (500s). */
  onUnexpected?: (error: unknown) => void
}

const challenge = { 'www-authenticate': 'Bearer realm="rolecall-scim"' }

/** The SCIM app; its routes start at `/scim/v2`. */
export function createScimApp(options: ScimAppOptions): Hono<ScimEnv> {
  const { store } = options
  const app = new Hono<ScimEnv>()

  app.onError((error) => {
    const mapped = toScimError(error)
    if (mapped.isUnexpected) options.onUnexpected?.(error)
    return scimErrorResponse(mapped.error, mapped.error.status === 401 ? challenge : {})
  })
  app.notFound(() => scimErrorResponse(new ScimError(404, undefined, 'no such SCIM endpoint')))

  const scim = new Hono<ScimEnv>()
  const tooLarge = () => scimErrorResponse(new ScimError(413, undefined, `request body exceeds ${maxBodyBytes} bytes`))
  // Only for methods that carry a body: every middleware a request passes through costs it an async layer.
  scim.on(['POST', 'PUT', 'PATCH', 'OPTIONS'], '*', limitBody(maxBodyBytes, tooLarge))
  scim.route('/', discoveryRoutes())

  const authenticate = async (c: Context<ScimEnv>, next: Next) => {
    const header = requestHeader(c, 'authorization') ?? ''
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    // The connection comes from the token alone: X-Tenant-ID and friends change nothing.
    const connection = match?.[1] === undefined ? undefined : await store.authenticate(match[1])
    if (connection === undefined) {
      return scimErrorResponse(new ScimError(401, undefined, match === null ? 'a bearer token is required' : 'the bearer token is not valid'), challenge)
    }
    c.set('connection', connection)
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
