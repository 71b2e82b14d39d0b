// The HTTP server's app: SCIM at /scim/v2, /healthz, /metrics, and one structured log line per request.
import { Hono } from 'hono'
import { routePath } from 'hono/route'
import type { Logger } from 'pino'
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { createScimApp } from '../scim/app.js'
import { createApiApp } from './api.js'
import { CheckService, type CheckServiceOptions } from './check-service.js'
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

export type ServerApp = { app: Hono; registry: Registry; checks: CheckService }

export function createServerApp(options: ServerAppOptions): ServerApp {
  const { store, logger } = options
  const registry = new Registry()
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry })
  const requests = new Counter({
    name: 'rolecall_http_requests_total',
    help: 'HTTP requests by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  })
  const latency = new Histogram({
    name: 'rolecall_http_request_duration_seconds',
    help: 'HTTP request latency by method and route.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  })

  // One pair of labelled children per method, route and status: labelling by object hashes the labels per call.
  const children = new Map<string, { record: (seconds: number) => void }>()
  const metricsOf = (method: string, route: string, status: number) => {
    const key = `${method} ${route} ${status}`
    let child = children.get(key)
    if (child === undefined) {
      const counted = requests.labels(method, route, String(status))
      const timed = latency.labels(method, route)
      child = {
        record: (seconds) => {
          counted.inc()
          timed.observe(seconds)
        },
      }
      children.set(key, child)
    }
    return child
  }

  const app = new Hono()
  app.use('*', async (c, next) => {
    const started = performance.now()
    await next()
    const seconds = (performance.now() - started) / 1000
    const matched = routePath(c, -1)
    const route = matched === '*' || matched === '/*' ? 'unmatched' : matched
    const status = c.res.status
    metricsOf(c.req.method, route, status).record(seconds)
    if (logger !== undefined) {
      const connection = (c.get as (key: string) => unknown)('connection')
      // The path only: query strings carry filters with user names.
      logger.info({ method: c.req.method, route, path: c.req.path, status, ms: Math.round(seconds * 1e6) / 1e3, ...(typeof connection === 'string' ? { connection } : {}) }, 'request')
    }
  })

  const checks = new CheckService(store, () => new Date(), options.checks)
  app.get('/healthz', async (c) => {
    const revision = await store.revision()
    return c.json({ status: 'ok', revision, checks: checks.status() })
  })
  app.get('/metrics', async (c) => {
    return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType })
  })
  app.route('/', createApiApp({ store, checks }))
  app.route('/', createScimApp({ store, onUnexpected: (error) => logger?.error({ err: error }, 'unexpected error') }))
  return { app, registry, checks }
}
