// The admin and check API at /api/v1, behind admin tokens (rca_) with scopes. SCIM tokens get 401 here.
import { Hono, type Context, type Next } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { formatChain, formatHeld } from '../engine/chain.js'
import type { AccessQuestion } from '../engine/check.js'
import { userKey } from '../engine/effective.js'
import type { AdminScope, Store } from '../store/store.js'
import { CheckService } from './check-service.js'

type ApiEnv = { Variables: { adminToken: string; scopes: AdminScope[] } }

export type ApiOptions = { store: Store; clock?: () => Date }

/** Largest request body the API reads. */
export const maxApiBodyBytes = 64 * 1024

const challenge = { 'www-authenticate': 'Bearer realm="rolecall-admin"' }

function problem(c: Context, status: 400 | 401 | 403 | 404 | 413 | 415, message: string, headers: Record<string, string> = {}) {
  return c.json({ error: message }, status, headers)
}

function stringField(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key]
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** Validate a check request body into a question, or say what is wrong. */
export function parseCheckBody(body: unknown, now: Date): AccessQuestion | { error: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { error: 'the body must be a JSON object' }
  const record = body as Record<string, unknown>
  const known = new Set(['user', 'action', 'resource', 'env', 'tags', 'permission', 'authMethod', 'at'])
  const unknown = Object.keys(record).filter((key) => !known.has(key))
  if (unknown.length > 0) return { error: `unknown field${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}` }
  const user = stringField(record, 'user')
  if (user === undefined) return { error: '`user` (a userName) is required' }
  const authMethod = stringField(record, 'authMethod')
  if (record.authMethod !== undefined && authMethod === undefined) return { error: '`authMethod` must be a string' }
  let at = now
  if (record.at !== undefined) {
    if (typeof record.at !== 'string' || Number.isNaN(Date.parse(record.at))) return { error: '`at` must be an RFC 3339 time' }
    at = new Date(record.at)
  }
  const base = { user, at, ...(authMethod === undefined ? {} : { authMethod }) }
  const permission = stringField(record, 'permission')
  if (permission !== undefined) {
    if (record.action !== undefined || record.resource !== undefined) return { error: 'ask for a `permission`, or an `action` on a `resource`, not both' }
    return { ...base, permission }
  }
  const action = stringField(record, 'action')
  const resource = stringField(record, 'resource')
  if (action === undefined || resource === undefined) return { error: '`action` and `resource` (type:service/name) are required, or `permission`' }
  const env = stringField(record, 'env')
  if (record.env !== undefined && env === undefined) return { error: '`env` must be a string' }
  const tags = record.tags
  if (tags !== undefined && (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string'))) return { error: '`tags` must be a list of strings' }
  return { ...base, action, resource, ...(env === undefined ? {} : { env }), ...(tags === undefined ? {} : { tags: tags as string[] }) }
}

export function createApiApp(options: ApiOptions): Hono<ApiEnv> {
  const { store } = options
  const clock = options.clock ?? (() => new Date())
  const checks = new CheckService(store, clock)
  const app = new Hono<ApiEnv>()
  const api = new Hono<ApiEnv>()

  const requireScope = (scope: AdminScope) => async (c: Context<ApiEnv>, next: Next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')
    const token = match?.[1] === undefined ? undefined : await store.authenticateAdmin(match[1])
    if (token === undefined) return problem(c, 401, match === null ? 'an admin bearer token is required' : 'the bearer token is not a valid admin token', challenge)
    if (!token.scopes.includes(scope)) return problem(c, 403, `this token lacks the "${scope}" scope`)
    c.set('adminToken', token.id)
    c.set('scopes', token.scopes)
    await next()
    return undefined
  }
  api.use('*', bodyLimit({ maxSize: maxApiBodyBytes, onError: (c) => problem(c, 413, `request body exceeds ${maxApiBodyBytes} bytes`) }))

  api.post('/check', requireScope('check'), async (c) => {
    const type = c.req.header('content-type') ?? ''
    if (!/^application\/json\b/i.test(type)) return problem(c, 415, 'send application/json')
    let body: unknown
    try {
      body = await c.req.json()
    } catch {
      return problem(c, 400, 'the body is not valid JSON')
    }
    const question = parseCheckBody(body, clock())
    if ('error' in question) return problem(c, 400, question.error)
    const answer = await checks.check(question)
    if ('error' in answer) return problem(c, 400, answer.error)
    return c.json({ allowed: answer.allowed, reasons: answer.reasons, denials: answer.denials, revision: answer.revision })
  })

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

  api.all('*', (c) => problem(c, 404, 'no such API endpoint'))
  app.route('/api/v1', api)
  return app
}
