// What every request leaves behind: a count and a latency in /metrics, and one structured log line.
import type { Logger } from 'pino'
import { Counter, Histogram, type Registry } from 'prom-client'
import type { RequestRecord } from '../http/pipeline.js'
import { redactTokens } from './redact-tokens.js'

export type { RequestRecord }

export type RecordRequest = (record: RequestRecord) => void

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
  // One pair of labelled children per method, route and status: labelling by object hashes the labels per call.
  // Found by route, method and status in turn: the routes and methods are the same few strings every time, whose
  // hashes V8 keeps, where a key joined from them would be a new string to hash on every request.
  const children = new Map<string, Map<string, Map<number, { record: (seconds: number) => void }>>>()
  const metricsOf = (method: string, route: string, status: number) => {
    let byMethod = children.get(route)
    if (byMethod === undefined) children.set(route, (byMethod = new Map()))
    let byStatus = byMethod.get(method)
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()))
    let child = byStatus.get(status)
    if (child === undefined) {
      const counted = requests.labels(method, route, String(status))
      const timed = latency.labels(method, route)
      child = {
        record: (seconds) => {
          counted.inc()
          timed.observe(seconds)
        },
      }
      byStatus.set(status, child)
    }
    return child
  }
  return ({ method, route, path, status, seconds, requestId, connection }) => {
    metricsOf(method, route, status).record(seconds)
    // The path only: query strings carry filters with user names. Never headers or bodies; and a token pasted into
    // the URL by a misconfigured client is redacted from the path.
    // One shape for every line: pino leaves out a field whose value is undefined (a request with no connection).
    logger?.info({ method, route, path: redactTokens(path), status, ms: Math.round(seconds * 1e6) / 1e3, requestId, connection }, 'request')
  }
}
