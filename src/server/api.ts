// The admin and check API at /api/v1, behind admin tokens (rca_) with scopes. SCIM tokens get 401 here.
// The organization is the server's own; no request header selects another.
import { Hono, type Context, type Next } from 'hono'
import { formatChain, formatHeld } from '../engine/chain.js'
import { userKey } from '../engine/effective.js'
import type { AdminScope, Store } from '../store/store.js'
import { limitBody } from '../util/body-limit.js'
import { mountAdminRoutes, maxAdminBodyBytes } from './admin-api.js'
import { parseCheckBody } from './check-body.js'
import { CheckService } from './check-service.js'
import { requestHeader } from '../util/request-header.js'

type ApiEnv = { Variables: { adminToken: string } }

export type ApiOptions = { store: Store; clock?: () => Date; checks?: CheckService }

/** Largest request body the API reads. */
export const maxApiBodyBytes = 64 * 1024

const challenge = { 'www-authenticate': 'Bearer realm="rolecall-admin"' }

function problem(c: Context, status: 400 | 401 | 403 | 404 | 413 | 415, message: string, headers: Record<string, string> = {}) {
  return c.json({ error: message }, status, headers)
}

export function createApiApp(options: ApiOptions): Hono<ApiEnv> {
  const { store } = options
  const clock = options.clock ?? (() => new Date())
  const checks = options.checks ?? new CheckService(store, clock)
  const app = new Hono<ApiEnv>()
  const api = new Hono<ApiEnv>()

  const requireScope = (scope: AdminScope) => async (c: Context<ApiEnv>, next: Next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(requestHeader(c, 'authorization') ?? '')
    const token = match?.[1] === undefined ? undefined : await store.authenticateAdmin(match[1])
    if (token === undefined) return problem(c, 401, match === null ? 'an admin bearer token is required' : 'the bearer token is not a valid admin token', challenge)
    if (!token.scopes.includes(scope)) return problem(c, 403, `this token lacks the "${scope}" scope`)
    c.set('adminToken', token.id)
    await next()
    return undefined
  }
  const limit = (maxSize: number) => limitBody(maxSize, (c) => problem(c, 413, `request body exceeds ${maxSize} bytes`))
  api.use('/check', limit(maxApiBodyBytes))
  for (const path of ['/plans', '/apply', '/drift', '/explain', '/who-can']) api.use(path, limit(maxAdminBodyBytes))

  api.post('/check', requireScope('check'), async (c) => {
    const type = requestHeader(c, 'content-type') ?? ''
    if (!/^application\/json\b/i.test(type)) return problem(c, 415, 'send application/json')
    let body: unknown
    try {
      body = await c.req.json()
    } catch {
      return problem(c, 400, 'the body is not valid JSON')
    }
    const question = parseCheckBody(body, clock())
    if ('error' in question) return problem(c, 400, question.error)
    const answer = await checks.check(question)
    if ('error' in answer) return problem(c, 400, answer.error)
    return c.json({ allowed: answer.allowed, reasons: answer.reasons, denials: answer.denials, revision: answer.revision })
  })

  api.get('/users/:user/access', requireScope('check'), async (c) => {
    const user = c.req.param('user') ?? ''
    const now = clock()
    const { access, revision } = await checks.accessOf(user, now)
    const held = access.users.get(userKey(user))
    return c.json({
      user: held?.user ?? user,
      active: !access.inactive.has(userKey(user)),
      revision,
      holdings: (held?.holdings ?? []).map((holding) => ({
        what: formatHeld(holding),
        type: holding.type,
        risk: holding.risk,
        chain: formatChain(holding.chain),
        ...(holding.authMethods === undefined ? {} : { authMethods: holding.authMethods }),
        ...(holding.expires === undefined ? {} : { expires: holding.expires }),
      })),
    })
  })

  mountAdminRoutes(api, store, clock, requireScope)
  api.all('*', (c) => problem(c, 404, 'no such API endpoint'))
  app.route('/api/v1', api)
  return app
}
