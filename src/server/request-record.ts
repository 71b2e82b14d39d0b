// What every request leaves behind: a count and a latency in /metrics (and, for SCIM, a count of the operation by
// connection), and one structured log line.
import type { Logger } from 'pino'
import { Counter, Histogram, type Registry } from 'prom-client'
import type { RequestRecord } from '../http/pipeline.js'
import { redactTokens } from './redact-tokens.js'

export type { RequestRecord }

export type RecordRequest = (record: RequestRecord) => void

const scimPrefix = '/scim/v2/'

/** The SCIM resource and operation a route and method are (`Users`, `patch`), or undefined outside SCIM. */
export function scimOperation(method: string, route: string): { resource: string; operation: string } | undefined {
  if (!route.startsWith(scimPrefix)) return undefined
  const [resource = '', below] = route.slice(scimPrefix.length).split('/')
  if (resource !== 'Users' && resource !== 'Groups' && resource !== '.search') return { resource, operation: 'discovery' }
  if (resource === '.search' || below === '.search') return { resource: resource === '.search' ? 'Users+Groups' : resource, operation: 'search' }
  const operations: Record<string, string> = below === undefined ? { GET: 'list', HEAD: 'list', POST: 'create' } : { GET: 'get', HEAD: 'get', PUT: 'replace', PATCH: 'patch', DELETE: 'delete' }
  return { resource, operation: operations[method] ?? method.toLowerCase() }
}

/** `success` (2xx, 3xx), `client_error` (4xx: the IdP sent something refused, 401 and 404 included) or `server_error`. */
function outcomeOf(status: number): string {
  return status < 400 ? 'success' : status < 500 ? 'client_error' : 'server_error'
}

/** Registers the request metrics on `registry`; the returned function records one request there and in `logger`. */
export function requestRecorder(registry: Registry, logger: Logger | undefined): RecordRequest {
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
  const scimOperations = new Counter({
    name: 'rolecall_scim_operations_total',
    help: 'SCIM operations by connection (none: no valid token), resource, operation and outcome.',
    labelNames: ['connection', 'resource', 'operation', 'outcome'] as const,
    registers: [registry],
  })
  // One pair of labelled children per method, route and status: labelling by object hashes the labels per call.
  // Found by route, method and status in turn: the routes and methods are the same few strings every time, whose
  // hashes V8 keeps, where a key joined from them would be a new string to hash on every request.
  const children = new Map<string, Map<string, Map<number, { record: (seconds: number, connection: string | undefined) => void }>>>()
  const metricsOf = (method: string, route: string, status: number) => {
    let byMethod = children.get(route)
    if (byMethod === undefined) children.set(route, (byMethod = new Map()))
    let byStatus = byMethod.get(method)
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()))
    let child = byStatus.get(status)
    if (child === undefined) {
      const counted = requests.labels(method, route, String(status))
      const timed = latency.labels(method, route)
      const scim = scimOperation(method, route)
      const outcome = outcomeOf(status)
      // Per connection, for SCIM routes only: connections are the Organization's few.
      const byConnection = new Map<string, { inc: () => void }>()
      child = {
        record: (seconds, connection) => {
          counted.inc()
          timed.observe(seconds)
          if (scim === undefined) return
          const name = connection ?? 'none'
          let operation = byConnection.get(name)
          if (operation === undefined) byConnection.set(name, (operation = scimOperations.labels(name, scim.resource, scim.operation, outcome)))
          operation.inc()
        },
      }
      byStatus.set(status, child)
    }
    return child
  }
  return ({ method, route, path, status, seconds, requestId, connection }) => {
    metricsOf(method, route, status).record(seconds, connection)
    // The path only: query strings carry filters with user names. Never headers or bodies; and a token pasted into
    // the URL by a misconfigured client is redacted from the path.
    // One shape for every line: pino leaves out a field whose value is undefined (a request with no connection).
    logger?.info({ method, route, path: redactTokens(path), status, ms: Math.round(seconds * 1e6) / 1e3, requestId, connection }, 'request')
  }
}
