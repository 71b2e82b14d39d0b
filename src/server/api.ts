// The admin and check API at /api/v1, behind admin tokens (rca_) with scopes. SCIM tokens get 401 here.
// The organization is the server's own; no request header selects another.
import { formatChain, formatHeld } from '../engine/chain.js'
import { unknownUserMessage, usersNamedIn } from '../engine/question-check.js'
import { stateFromDocuments, type StateDocument } from '../model/documents.js'
import { jsonReply } from '../http/exchange.js'
import { fetchHandler, requester } from '../http/fetch-transport.js'
import { createPipeline, type Area, type OnUnexpected } from '../http/pipeline.js'
import type { Store } from '../store/store.js'
import { adminRoutes } from './admin-api.js'
import { adminScope, answerCheck, apiProblem, maxCheckBodyBytes, toHttpReply } from './check-endpoint.js'
import { CheckService } from './check-service.js'
import { jsonErrors } from './json-errors.js'
import { openApiRoute } from './openapi.js'
import type { ApprovalVerification } from './verified-approvals.js'
import type { CheckOutcome, ServerMetrics } from './metrics.js'

export type ApiOptions = {
  store: Store
  clock?: () => Date
  checks?: CheckService
  /** Called with failures that are not the client's fault (the answer is a 500 with no detail). */
  onUnexpected?: OnUnexpected
  /** Where checks, applies and drift are counted (the server's /metrics). */
  metrics?: ServerMetrics
  /** How applies through the admin API get their approvals verified; by default, an apply that needs approvals is refused. */
  approvals?: ApprovalVerification
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
    const name = user.toLowerCase()
    if ((await store.directoryOfUser(user)).users.length > 0) return true
    if ([...(await namedInApplied())].some((key) => key.slice(key.lastIndexOf('\u0000') + 1) === name)) return true
    return (await store.listBreakGlass()).some((grant) => grant.user.toLowerCase() === name)
  }
}

/** The admin and check API's area of the request pipeline, at /api/v1. */
export function apiArea(options: ApiOptions): Area {
  const { store, metrics } = options
  const clock = options.clock ?? (() => new Date())
  const checks = options.checks ?? new CheckService(store, clock)
  const isKnownUser = knownUserLookup(store, clock)
  const check = adminScope(store, 'check')
  return {
    prefix: '/api/v1',
    errors: jsonErrors(options.onUnexpected, 'api'),
    routes: [
      {
        method: 'POST',
        path: '/check',
        guard: check,
        maxBody: maxCheckBodyBytes,
        handle: async (exchange) => {
          const startedAt = performance.now()
          let outcome: CheckOutcome = 'error'
          try {
            const reply = await answerCheck(checks, clock(), exchange.header('content-type'), exchange.text)
            if (reply.status === 200) outcome = reply.body.allowed === true ? 'allowed' : 'denied'
            return toHttpReply(reply)
          } finally {
            metrics?.check(outcome, (performance.now() - startedAt) / 1000)
          }
        },
      },
      {
        method: 'GET',
        path: '/users/:user/access',
        guard: check,
        handle: async (exchange) => {
          const user = exchange.param('user')
          // The connection the application signed the user in through, where a userName alone does not name a person.
          const connection = exchange.query('connection')
          const now = clock()
          const found = await checks.accessOfPerson({ user, ...(connection === undefined ? {} : { connection }) }, now)
          if ('error' in found) return toHttpReply(apiProblem(400, found.error))
          const { access, key, revision } = found
          const held = access.users.get(key)
          const isInactive = access.inactive.has(key)
          // Someone nobody knows is not an active user who holds nothing.
          if (held === undefined && !isInactive && !(await isKnownUser(user))) {
            return toHttpReply(apiProblem(404, unknownUserMessage(user, [], revision === null ? undefined : `applied revision ${revision}`)))
          }
          return jsonReply({
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
        },
      },
      ...adminRoutes(store, clock, (scope) => adminScope(store, scope), metrics, options.approvals),
      openApiRoute,
    ],
  }
}

/** The API alone, in process (tests): `request(url, init)` as with Hono's `app.request`. */
export function createApiApp(options: ApiOptions) {
  const pipeline = createPipeline({ areas: [apiArea(options)], fallback: jsonErrors(options.onUnexpected, 'plain'), record: () => undefined })
  const fetch = fetchHandler(pipeline)
  return { fetch, request: requester(fetch), dispatch: pipeline.dispatch }
}
