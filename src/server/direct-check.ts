// POST /api/v1/check straight from Node's request, before Hono: the route an application calls on every one of
// its own requests. Building Fetch Request and Response objects for it cost more than answering it. The answer
// comes from the same functions as the Hono route (check-endpoint.ts); metrics and the log line are the same.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Store } from '../store/store.js'
import { answerCheck, authorizeAdmin, bodyTooLarge, maxCheckBodyBytes, type ApiReply } from './check-endpoint.js'
import type { CheckService } from './check-service.js'
import type { RecordRequest } from './request-record.js'
import { ClientClosedError, clientClosedStatus } from '../util/client-closed.js'
import { readRequestBody } from './request-body.js'

export type DirectCheckOptions = {
  store: Store
  checks: CheckService
  clock: () => Date
  recordRequest: RecordRequest
  /** Called with failures that are not the client's fault. */
  onUnexpected?: (error: unknown) => void
}

const route = '/api/v1/check'

/** A Node request listener's front: answers POST /api/v1/check and returns true; returns false for anything else. */
export function directCheck(options: DirectCheckOptions): (request: IncomingMessage, response: ServerResponse) => boolean {
  const { store, checks, clock, recordRequest } = options
  const tooLarge = bodyTooLarge(maxCheckBodyBytes)

  const send = (response: ServerResponse, reply: ApiReply, started: number) => {
    const text = JSON.stringify(reply.body)
    response.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...reply.headers })
    response.end(text)
    recordRequest({ method: 'POST', route, path: route, status: reply.status, seconds: (performance.now() - started) / 1000 })
  }

  const answer = async (request: IncomingMessage): Promise<ApiReply> => {
    const declared = request.headers['content-length']
    if (declared !== undefined && request.headers['transfer-encoding'] === undefined && Number(declared) > maxCheckBodyBytes) return tooLarge
    const authorized = await authorizeAdmin(store, request.headers.authorization, 'check')
    if ('status' in authorized) return authorized
    const text = await readRequestBody(request, maxCheckBodyBytes)
    if (text === undefined) return tooLarge
    return answerCheck(checks, clock(), request.headers['content-type'], () => Promise.resolve(text))
  }

  return (request, response) => {
    if (request.method !== 'POST' || request.url !== route) return false
    const started = performance.now()
    answer(request).then(
      (reply) => send(response, reply, started),
      (error: unknown) => {
        const seconds = () => (performance.now() - started) / 1000
        // A client that went away mid-body is not a failure of ours: a 499 at info level, as on every other route
        // (see util/client-closed.ts). Nobody is left to answer.
        if (error instanceof ClientClosedError) {
          recordRequest({ method: 'POST', route, path: route, status: clientClosedStatus, seconds: seconds() })
          return
        }
        options.onUnexpected?.(error)
        const text = JSON.stringify({ error: 'internal error' })
        // Counted as a 500 even when the client has gone meanwhile: the failure is ours all the same.
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
        response.end(text)
        recordRequest({ method: 'POST', route, path: route, status: 500, seconds: seconds() })
      },
    )
    return true
  }
}
