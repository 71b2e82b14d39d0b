// POST /api/v1/check, and the admin-token guard every /api/v1 route stands behind.
import { jsonReply, type HttpReply } from '../http/exchange.js'
import type { Exchange, Guard } from '../http/pipeline.js'
import type { AdminScope, Store } from '../store/store.js'
import { parseCheckBody, parseCheckOptions } from './check-body.js'
import { bearerToken } from '../util/bearer.js'
import type { CheckService } from './check-service.js'

export type ApiReply = { status: 200 | 400 | 401 | 403 | 404 | 409 | 413 | 415; body: Record<string, unknown>; headers?: Record<string, string> }

/** Largest check request body read. */
export const maxCheckBodyBytes = 64 * 1024

const challenge = { 'www-authenticate': 'Bearer realm="rolecall-admin"' }

export function apiProblem(status: ApiReply['status'], message: string, headers?: Record<string, string>): ApiReply {
  return { status, body: { error: message }, ...(headers === undefined ? {} : { headers }) }
}

/** An ApiReply as the pipeline's reply. */
export function toHttpReply(reply: ApiReply): HttpReply {
  return jsonReply(reply.body, reply.status, reply.headers ?? {})
}

/** The admin token's id when the Authorization header carries one with `scope`; else the 401 or 403 to send. */
export async function authorizeAdmin(store: Store, authorization: string | undefined, scope: AdminScope): Promise<{ tokenId: string } | ApiReply> {
  const bearer = bearerToken(authorization)
  const token = bearer === undefined ? undefined : await store.authenticateAdmin(bearer)
  if (token === undefined) return apiProblem(401, bearer === undefined ? 'an admin bearer token is required' : 'the bearer token is not a valid admin token', challenge)
  if (!token.scopes.includes(scope)) return apiProblem(403, `this token lacks the "${scope}" scope`)
  return { tokenId: token.id }
}

/** Lets through a request whose bearer token is an admin token with `scope`, noting its id; else the 401 or 403. */
export function adminScope(store: Store, scope: AdminScope): Guard {
  return async (exchange: Exchange) => {
    const authorized = await authorizeAdmin(store, exchange.header('authorization'), scope)
    if ('status' in authorized) return toHttpReply(authorized)
    exchange.adminTokenId = authorized.tokenId
    return undefined
  }
}

/**
 * The answer to an authorised check request: 415 unless JSON, 400 for a malformed body or question, 409 when it asks
 * for a store revision (`atLeast`) the store has not reached.
 */
export async function answerCheck(checks: CheckService, now: Date, contentType: string | undefined, text: string): Promise<ApiReply> {
  if (!/^application\/json\b/i.test(contentType ?? '')) return apiProblem(415, 'send application/json')
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return apiProblem(400, 'the body is not valid JSON')
  }
  const question = parseCheckBody(body, now)
  if ('error' in question) return apiProblem(400, question.error)
  const options = parseCheckOptions(body as Record<string, unknown>)
  if ('error' in options) return apiProblem(400, options.error)
  if (options.atLeast !== undefined && !(await checks.reach(options.atLeast))) {
    const storeRevision = await checks.currentStoreRevision()
    return {
      status: 409,
      body: { error: `the store has not reached revision ${options.atLeast} (it is at ${storeRevision}); ask again once the write you were told of has committed`, kind: 'behind', atLeast: options.atLeast, storeRevision },
      headers: { 'retry-after': '1' },
    }
  }
  const answer = await checks.check(question, { provenance: options.provenance })
  if ('error' in answer) return apiProblem(400, answer.error)
  const reply: Record<string, unknown> = { allowed: answer.allowed, reasons: answer.reasons, denials: answer.denials, revision: answer.revision }
  if (answer.held !== undefined) reply.held = answer.held
  if (answer.provenance !== undefined) reply.provenance = answer.provenance
  return { status: 200, body: reply }
}
