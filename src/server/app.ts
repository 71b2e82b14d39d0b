// The HTTP server's one request pipeline: SCIM at /scim/v2, the admin and check API at /api/v1, /healthz, /readyz,
// /metrics, and the read-only web explorer at /. Every transport (rolecall serve's Node server, the demo's, a Fetch Request in process) answers through it.
import type { ApprovalVerification } from './verified-approvals.js'
import type { Logger } from 'pino'
import { Registry, collectDefaultMetrics } from 'prom-client'
import { StoreError, StoreUnavailableError } from '../errors.js'
import { jsonReply, textReply, type HttpReply } from '../http/exchange.js'
import { storeFailure } from '../http/store-failure.js'
import { fetchHandler, requester } from '../http/fetch-transport.js'
import { createPipeline, type Area, type Pipeline } from '../http/pipeline.js'
import { scimAreas } from '../scim/app.js'
import type { Store } from '../store/store.js'
import { ExplorerAuth } from '../explorer/auth.js'
import { pageErrors } from '../explorer/errors.js'
import { LiveModel } from '../explorer/live-model.js'
import { explorerRoutes } from '../explorer/routes.js'
import { SessionStore, type SessionLimits } from '../explorer/sessions.js'
import { apiArea } from './api.js'
import { CheckService, type CheckServiceOptions } from './check-service.js'
import { jsonErrors } from './json-errors.js'
import { requestRecorder, type RecordRequest } from './request-record.js'
import { adminScope } from './check-endpoint.js'
import { serverMetrics } from './metrics.js'
import type { StoreCaches } from '../store/cache/cached-store.js'
import { registerReviewMetrics, type ReviewProgress } from './review-metrics.js'

export type ServerAppOptions = {
  store: Store
  /** Request log; absent in unit tests. Never given headers or bodies, so tokens cannot reach it. */
  logger?: Logger
  /** Collect Node process metrics too (off in unit tests). */
  processMetrics?: boolean
  /** How the check API keeps per-user access (rolecall serve warms it, and looks for other processes' writes every 50 ms). */
  checks?: CheckServiceOptions
  /** The clock of the check API, the admin API and the explorer's sessions (tests pin it). */
  clock?: () => Date
  /** `token`: /metrics answers only an admin token with the `metrics` scope. `none` (the default): anyone who can reach it. */
  metricsAuth?: MetricsAuth
  /** The open access reviews, read on each scrape of /metrics (rolecall serve --reviews DIR). */
  reviewProgress?: () => Promise<readonly ReviewProgress[]>
  /** How the web explorer signs people in. */
  explorer?: ExplorerServerOptions
  /** How applies through the admin API get their approvals verified (see ApprovalVerification); by default, one that needs approvals is refused. */
  approvals?: ApprovalVerification
}

export type ExplorerServerOptions = {
  /** A TLS proxy fronts the server: session cookies are Secure. */
  trustProxy?: boolean
  sessions?: Partial<SessionLimits>
  /** Behind an SSO proxy: the (lower-case) header that names the signed-in person; off by default. */
  userHeader?: string
  /** How long a page may show a store revision older than the current one, in ms (default 2000). */
  maxAgeMs?: number
}

export type MetricsAuth = 'none' | 'token'
export const metricsAuths: readonly MetricsAuth[] = ['none', 'token']

export type ServerApp = {
  pipeline: Pipeline
  /** The explorer's sessions (sign-out and revoked tokens end them). */
  sessions: SessionStore
  /** The pipeline as a Fetch handler, and Hono's `app.request` convenience over it (in process: tests, tools). */
  app: { fetch: (request: Request) => Promise<Response>; request: ReturnType<typeof requester> }
  registry: Registry
  checks: CheckService
  recordRequest: RecordRequest
}

export function createServerApp(options: ServerAppOptions): ServerApp {
  const { store, logger } = options
  const clock = options.clock ?? (() => new Date())
  const registry = new Registry()
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry })
  const recordRequest = requestRecorder(registry, logger)
  if (options.reviewProgress !== undefined) registerReviewMetrics(registry, options.reviewProgress)
  const onUnexpected = (error: unknown, requestId: string) => logger?.error({ err: error, requestId }, 'unexpected error')
  const checks = new CheckService(store, clock, options.checks)
  const storeCaches = (store as Partial<StoreCaches>).cacheCounts?.bind(store)
  const metrics = serverMetrics(registry, () => [...(storeCaches?.() ?? []), checks.cacheCounts()], () => store.listHolds())
  const plain = jsonErrors(onUnexpected, 'plain')
  const explorer = options.explorer ?? {}
  const sessions = new SessionStore(clock, explorer.sessions)
  const auth = new ExplorerAuth({ store, sessions, trustProxy: explorer.trustProxy === true, ...(explorer.userHeader === undefined ? {} : { userHeader: explorer.userHeader }) })
  const model = new LiveModel(store, clock, explorer.maxAgeMs === undefined ? {} : { maxAgeMs: explorer.maxAgeMs })
  const own: Area = {
    prefix: '',
    // Browsers get the explorer's pages for what no route answers; other clients the plain answers.
    errors: pageErrors(plain, onUnexpected),
    routes: [
      // Liveness: the process serves requests, whatever the store does (a load balancer restarts it only when not).
      { method: 'GET', path: '/healthz', handle: async () => jsonReply({ status: 'ok', checks: checks.status() }) },
      // Readiness: the store answers, within readyTimeoutMs; otherwise 503 and the load balancer sends elsewhere.
      { method: 'GET', path: '/readyz', handle: () => readiness(store) },
      {
        method: 'GET',
        path: '/metrics',
        ...(options.metricsAuth === 'token' ? { guard: adminScope(store, 'metrics') } : {}),
        handle: async () => textReply(await registry.metrics(), 200, { 'content-type': registry.contentType }),
      },
      ...explorerRoutes({ store, checks, clock, auth, model }),
    ],
  }
  const pipeline = createPipeline({
    areas: [own, apiArea({ store, checks, clock, onUnexpected, metrics, ...(options.approvals === undefined ? {} : { approvals: options.approvals }) }), ...scimAreas({ store, onUnexpected })],
    fallback: plain,
    record: recordRequest,
  })
  const fetch = fetchHandler(pipeline)
  return { pipeline, sessions, app: { fetch, request: requester(fetch) }, registry, checks, recordRequest }
}

/** How long /readyz waits for the store before it says the server is not ready. */
const readyTimeoutMs = 2000

async function readiness(store: Store): Promise<HttpReply> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`the store did not answer within ${readyTimeoutMs} ms`)), readyTimeoutMs)
  })
  try {
    return jsonReply({ status: 'ready', revision: await Promise.race([store.revision(), late]) })
  } catch (error) {
    // Whatever stops the store answering, the server is not ready: the load balancer sends elsewhere meanwhile.
    const { detail, headers } = storeFailure(error instanceof StoreError ? error : new StoreError('the store failed', { cause: error }))
    return jsonReply({ status: 'unavailable', error: detail }, 503, headers)
  } finally {
    clearTimeout(timer)
  }
}
