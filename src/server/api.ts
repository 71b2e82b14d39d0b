// The admin and check API at /api/v1, behind admin tokens (rca_) with scopes. SCIM tokens get 401 here.
// The organization is the server's own; no request header selects another.
import { Hono, type Context, type Next } from 'hono'
import { formatChain, formatHeld } from '../engine/chain.js'
import { userKey } from '../engine/effective.js'
import type { AdminScope, Store } from '../store/store.js'
import { limitBody } from '../util/body-limit.js'
import { mountAdminRoutes, maxAdminBodyBytes } from './admin-api.js'
import { answerCheck, apiProblem, authorizeAdmin, bodyTooLarge, maxCheckBodyBytes, type ApiReply } from './check-endpoint.js'
import { CheckService } from './check-service.js'
import { requestHeader } from '../util/request-header.js'

type ApiEnv = { Variables: { adminToken: string } }

export type ApiOptions = {
  store: Store
  clock?: () => Date
  checks?: CheckService
  /** Called with failures that are not the client's fault (the answer is a 500 with no detail). */
  onUnexpected?: (error: unknown) => void
}

function reply(c: Context, answer: ApiReply) {
  return c.json(answer.body, answer.status, answer.headers ?? {})
}

export function createApiApp(options: ApiOptions): Hono<ApiEnv> {
  const { store } = options
  const clock = options.clock ?? (() => new Date())
  const checks = options.checks ?? new CheckService(store, clock)
  const app = new Hono<ApiEnv>()
  const api = new Hono<ApiEnv>()
  api.onError((error, c) => {
    options.onUnexpected?.(error)
    return c.json({ error: 'internal error' }, 500)
  })

  const requireScope = (scope: AdminScope) => async (c: Context<ApiEnv>, next: Next) => {
    const authorized = await authorizeAdmin(store, requestHeader(c, 'authorization'), scope)
    if ('status' in authorized) return reply(c, authorized)
    c.set('adminToken', authorized.tokenId)
    await next()
    return undefined
  }
  const limit = (maxSize: number) => limitBody(maxSize, (c) => reply(c, bodyTooLarge(maxSize)))
  api.use('/check', limit(maxCheckBodyBytes))
  for (const path of ['/plans', '/apply', '/drift', '/explain', '/who-can']) api.use(path, limit(maxAdminBodyBytes))

  // rolecall serve answers this route before Hono sees it (direct-check.ts), through the same answerCheck.
  api.post('/check', requireScope('check'), async (c) => reply(c, await answerCheck(checks, clock(), requestHeader(c, 'content-type'), () => c.req.text())))

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
  api.all('*', (c) => reply(c, apiProblem(404, 'no such API endpoint')))
  app.route('/api/v1', api)
  return app
}
