// GET /scim/v2/Users/{id} and GET /scim/v2/Users?filter=… straight from Node's request, before Hono: the reads IdPs
// send most (Okta looks a user up by userName before every create and update). Building Fetch Request and Response
// objects and walking Hono's middleware cost about a third of such a request.
//
// Only the plain, successful case is answered here: a valid token, a Host header taken as it is, no conditional
// header, an id or a filter the store finds. Anything else (another parameter, a wrong token, an unknown id, a
// malformed filter, a failure of the store) goes on to the Hono app untouched, which answers it as any request.
// The JSON comes from the functions the Hono routes use (scim/users.ts), and the request is counted and logged the
// same way, so the two cannot disagree.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { userJson, listUsersJson, type JsonText } from '../scim/users.js'
import { scimBaseUrl, scimContentType, type ListParams } from '../scim/http.js'
import { parseProjection } from '../scim/projection.js'
import { etagOf } from '../scim/resource.js'
import { userType } from '../scim/schemas.js'
import type { Store } from '../store/store.js'
import type { RecordRequest } from './request-record.js'
import { bearerToken } from '../util/bearer.js'

export type DirectScimOptions = { store: Store; recordRequest: RecordRequest }

const usersPath = '/scim/v2/Users'
/** Ids as the store makes them (UUIDs), and other plain ones; anything else (`.search`, escapes) takes the general route. */
export const plainId = /^[A-Za-z0-9_-]{1,128}$/
/** Host headers @hono/node-server uses as they are (lower case, a port from 1000 up); others it normalises or refuses. */
export const plainHost = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/
/** The list parameters a plain lookup may carry. */
const listParams = new Set(['filter', 'startIndex', 'count'])
/** The whole user: no `attributes` or `excludedAttributes`. */
const whole = parseProjection(userType, undefined, undefined)

type Read = { kind: 'user'; id: string } | { kind: 'list'; params: ListParams }

/** What a plain read asks for; undefined for anything the Hono app should answer. */
function readOf(url: string): Read | undefined {
  // Hono cuts the query at a `#` (a fragment no client should send): its answer may differ, so it gives it.
  if (url.includes('#')) return undefined
  if (url.startsWith(`${usersPath}/`)) {
    const id = url.slice(usersPath.length + 1)
    return plainId.test(id) ? { kind: 'user', id } : undefined
  }
  if (!url.startsWith(`${usersPath}?`)) return undefined
  const params: Record<string, string> = {}
  for (const pair of url.slice(usersPath.length + 1).split('&')) {
    const equals = pair.indexOf('=')
    const name = pair.slice(0, equals)
    if (equals < 0 || !listParams.has(name) || name in params) return undefined
    try {
      // As Hono decodes a query value: `+` is a space, then percent-escapes.
      params[name] = decodeURIComponent(pair.slice(equals + 1).replace(/\+/g, ' '))
    } catch {
      return undefined
    }
  }
  return params['filter'] === undefined ? undefined : { kind: 'list', params }
}

/**
 * A Node request listener's front for plain SCIM user reads. Returns false for requests it does not take; for those
 * it takes, it answers, or calls `toApp` to hand the request on unanswered.
 */
export function directScimReads(options: DirectScimOptions): (request: IncomingMessage, response: ServerResponse, toApp: () => void) => boolean {
  const { store, recordRequest } = options

  const answer = async (read: Read, token: string, host: string): Promise<{ text: JsonText; etag?: string; connection: string } | undefined> => {
    const connection = await store.authenticate(token)
    if (connection === undefined) return undefined
    // Throws for a Host that passes `plainHost` but is no host (`999.0.0.1`): here, after authentication and inside
    // the answer, so that the app answers such a request as it answers it.
    const base = scimBaseUrl(`http://${host}`)
    if (read.kind === 'list') return { text: await listUsersJson(store, connection, read.params, whole, base), connection }
    const user = await store.getUser(connection, read.id, false)
    return user === undefined ? undefined : { text: userJson(user, base), etag: etagOf(user.version), connection }
  }

  return (request, response, toApp) => {
    if (request.method !== 'GET' || request.url === undefined || !request.url.startsWith(usersPath)) return false
    const { authorization, host } = request.headers
    if (authorization === undefined || host === undefined || !plainHost.test(host)) return false
    if (request.headers['if-none-match'] !== undefined || request.headers['if-match'] !== undefined) return false
    const token = bearerToken(authorization)
    const read = token === undefined ? undefined : readOf(request.url)
    if (token === undefined || read === undefined) return false
    const started = performance.now()
    answer(read, token, host).then(
      (reply) => {
        if (reply === undefined) return toApp()
        const { json, bytes } = reply.text
        // With the head written first, Node does not measure the body again.
        if (reply.etag === undefined) response.writeHead(200, { 'content-type': scimContentType, 'content-length': bytes })
        else response.writeHead(200, { 'content-type': scimContentType, etag: reply.etag, 'content-length': bytes })
        response.end(json)
        const route = read.kind === 'user' ? `${usersPath}/:id` : usersPath
        recordRequest({ method: 'GET', route, path: read.kind === 'user' ? request.url ?? route : usersPath, status: 200, seconds: (performance.now() - started) / 1000, connection: reply.connection })
      },
      // A malformed filter, an unusable Host, a failing store: the app answers, errors included, as it would have.
      () => toApp(),
    )
    return true
  }
}
