// The HTTP server's app: SCIM at /scim/v2, /healthz, /metrics, and one structured log line per request.
import { Hono, type Context } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { Logger } from 'pino'
import { Registry, collectDefaultMetrics } from 'prom-client'
import { createScimApp, scimNotFound } from '../scim/app.js'
import { createApiApp } from './api.js'
import { CheckService, type CheckServiceOptions } from './check-service.js'
import { requestRecorder, type RecordRequest } from './request-record.js'
import type { Store } from '../store/store.js'

export type ServerAppOptions = {
  store: Store
  /** Request log; absent in unit tests. Never given headers or bodies, so tokens cannot reach it. */
  logger?: Logger
  /** Collect Node process metrics too (off in unit tests). */
  processMetrics?: boolean
  /** How the check API keeps per-user access (rolecall serve warms it, and looks for other processes' writes every 50 ms). */
  checks?: CheckServiceOptions
}

export type ServerApp = { app: Hono; registry: Registry; checks: CheckService; recordRequest: RecordRequest }

/**
 * The route a request is counted under: the last matched pattern that is not a wildcard (middleware and the
 * API's catch-all 404 are), so that a 401 from the auth middleware counts under the route it guarded.
 */
function routeLabel(c: Context): string {
  const routes = matchedRoutes(c)
  let label: string | undefined
  for (const route of routes) if (!route.path.endsWith('*')) label = route.path
  label ??= routes.at(-1)?.path
  return label === undefined || label === '*' || label === '/*' ? 'unmatched' : label
}

export function createServerApp(options: ServerAppOptions): ServerApp {
  const { store, logger } = options
  const registry = new Registry()
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry })
  const recordRequest = requestRecorder(registry, logger)

  const app = new Hono()
  app.use('*', async (c, next) => {
    const started = performance.now()
    await next()
    const seconds = (performance.now() - started) / 1000
    const route = routeLabel(c)
    const connection = (c.get as (key: string) => unknown)('connection')
    recordRequest({ method: c.req.method, route, path: c.req.path, status: c.res.status, seconds, ...(typeof connection === 'string' ? { connection } : {}) })
  })

  const checks = new CheckService(store, () => new Date(), options.checks)
  app.get('/healthz', async (c) => {
    const revision = await store.revision()
    return c.json({ status: 'ok', revision, checks: checks.status() })
  })
  app.get('/metrics', async (c) => {
    return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType })
  })
  const onUnexpected = (error: unknown) => logger?.error({ err: error }, 'unexpected error')
  app.route('/', createApiApp({ store, checks, onUnexpected }))
  app.route('/', createScimApp({ store, onUnexpected }))
  // A mounted app's notFound is not used: under /scim/v2, unknown paths and methods still get SCIM error bodies.
  app.notFound((c) => (c.req.path === '/scim/v2' || c.req.path.startsWith('/scim/v2/') ? scimNotFound(c) : c.text('404 Not Found', 404)))
  return { app, registry, checks, recordRequest }
}
