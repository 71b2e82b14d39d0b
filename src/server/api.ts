// The admin and check API at /api/v1, behind admin tokens (rca_) with scopes. SCIM tokens get 401 here.
// The organization is the server's own; no request header selects another.
import { Hono, type Context, type MiddlewareHandler, type Next } from 'hono'
import { StoreBusyError } from '../errors.js'
import { formatChain, formatHeld } from '../engine/chain.js'
import { userKey } from '../engine/effective.js'
import { unknownUserMessage, usersNamedIn } from '../engine/question-check.js'
import { stateFromDocuments, type StateDocument } from '../model/documents.js'
import type { AdminScope, Store } from '../store/store.js'
import { limitBody } from '../util/body-limit.js'
import { mountAdminRoutes, maxAdminBodyBytes } from './admin-api.js'
import { answerCheck, apiProblem, authorizeAdmin, bodyTooLarge, maxCheckBodyBytes, type ApiReply } from './check-endpoint.js'
import { CheckService } from './check-service.js'
import { requestHeader } from '../util/request-header.js'
import { ClientClosedError, clientClosedResponse, requestText } from '../util/client-closed.js'

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

/**
 * Whether a user who holds nothing and is not deactivated is known all the same: a record in some connection, a
 * member listed or a Grant's user in the applied access files, or a break-glass grant's user. The names the
 * applied files hold are read once per applied revision.
 */
function knownUserLookup(store: Store, clock: () => Date): (user: string) => Promise<boolean> {
  let named: { revision: string; keys: Promise<Set<string>> } | undefined
  const namedInApplied = async (): Promise<Set<string>> => {
    const revision = await store.appliedRevisionId()
    if (revision === null) return new Set()
    if (named?.revision !== revision) {
      const keys = store.appliedRevision(revision).then((applied) => (applied === undefined ? new Set<string>() : usersNamedIn(stateFromDocuments(applied.documents as StateDocument[], clock()))))
      const entry = { revision, keys }
      named = entry
      // A failed read is not kept: the next request tries again.
      keys.catch(() => {
        if (named === entry) named = undefined
      })
    }
    return named.keys
  }
  return async (user) => {
    const key = userKey(user)
    if ((await store.directoryOfUser(user)).users.length > 0) return true
    if ((await namedInApplied()).has(key)) return true
    return (await store.listBreakGlass()).some((grant) => userKey(grant.user) === key)
  }
}

export function createApiApp(options: ApiOptions): Hono<ApiEnv> {
  const { store } = options
  const clock = options.clock ?? (() => new Date())
  const checks = options.checks ?? new CheckService(store, clock)
  const isKnownUser = knownUserLookup(store, clock)
  const app = new Hono<ApiEnv>()
  const api = new Hono<ApiEnv>()
  api.onError((error, c) => {
    // Not a failure of ours: recorded as 499 at info level (see util/client-closed.ts), and nobody is left to answer.
    if (error instanceof ClientClosedError) return clientClosedResponse()
    // Another process holds the store's write lock past the deadline: nothing was written, the client may retry.
    if (error instanceof StoreBusyError) {
      c.header('retry-after', String(error.retryAfterSeconds))
      return c.json({ error: 'the store is busy with another process; try again later' }, 503)
    }
    options.onUnexpected?.(error)
    return c.json({ error: 'internal error' }, 500)
  })

  /**
   * The token, then (for a route that reads one) the body, limited to `maxBodyBytes`: never the other way round,
   * since a chunked body is read into memory by limitBody, and nobody without a token may make the server do that.
   */
  const requireScope = (scope: AdminScope, maxBodyBytes?: number) => {
    const limited: MiddlewareHandler | undefined = maxBodyBytes === undefined ? undefined : limitBody(maxBodyBytes, (c) => reply(c, bodyTooLarge(maxBodyBytes)))
    return async (c: Context<ApiEnv>, next: Next): Promise<Response | undefined> => {
      const authorized = await authorizeAdmin(store, requestHeader(c, 'authorization'), scope)
      if ('status' in authorized) return reply(c, authorized)
      c.set('adminToken', authorized.tokenId)
      if (limited !== undefined) return (await limited(c, next)) ?? undefined
      await next()
      return undefined
    }
  }

  // rolecall serve answers this route before Hono sees it (direct-check.ts), through the same answerCheck.
  api.post('/check', requireScope('check', maxCheckBodyBytes), async (c) => {
    // answerCheck takes any failure to read the body for a malformed one (400); a client that went away is not.
    let failure: ClientClosedError | undefined
    const text = () =>
      requestText(c).catch((error: unknown) => {
        if (error instanceof ClientClosedError) failure = error
        throw error
      })
    const answer = await answerCheck(checks, clock(), requestHeader(c, 'content-type'), text)
    if (failure !== undefined) throw failure
    return reply(c, answer)
  })

  api.get('/users/:user/access', requireScope('check'), async (c) => {
    const user = c.req.param('user') ?? ''
    const now = clock()
    const { access, revision } = await checks.accessOf(user, now)
    const held = access.users.get(userKey(user))
    const isInactive = access.inactive.has(userKey(user))
    // Someone nobody knows is not an active user who holds nothing.
    if (held === undefined && !isInactive && !(await isKnownUser(user))) {
      return reply(c, apiProblem(404, unknownUserMessage(user, [], revision === null ? undefined : `applied revision ${revision}`)))
    }
    return c.json({
      user: held?.user ?? user,
      active: !isInactive,
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
