// PATCH /scim/v2/Groups/{id} and POST /scim/v2/Users straight from Node's request, before Hono: the writes IdPs
// send most (Okta's group push and Entra's membership sync send one PATCH per change; every new hire is a POST).
// Building Fetch Request and Response objects and walking Hono's middleware cost about a fifth of such a request
// (measured with test/bench/scim-profile.mjs).
//
// Taken only when the headers make it plain: a valid token, a Host header taken as it is, no query, no conditional
// header, a JSON content type (or none), and a Content-Length within the body limit. Anything else goes on to the
// Hono app untouched, its body unread. Once taken, every outcome is answered here, errors included, from the
// functions the Hono routes use (parseBodyText, patchStoredGroup, createStoredUser, scimFailure), and counted and
// logged the same way, so the two cannot disagree.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { scimFailure } from '../scim/app.js'
import { patchStoredGroup } from '../scim/groups.js'
import { maxBodyBytes, parseBodyText, scimBaseUrl, scimContentType } from '../scim/http.js'
import { etagOf } from '../scim/resource.js'
import { createdUserJson, createStoredUser } from '../scim/users.js'
import type { JsonObject, Store } from '../store/store.js'
import { bearerToken } from '../util/bearer.js'
import { clientClosedStatus } from '../util/client-closed.js'
import { plainHost, plainId } from './direct-scim.js'
import { readRequestBody } from './request-body.js'
import type { RecordRequest } from './request-record.js'

export type DirectScimWritesOptions = {
  store: Store
  recordRequest: RecordRequest
  /** Called with failures that are not the client's fault (500s). */
  onUnexpected?: (error: unknown) => void
}

type Reply = { status: number; headers: Record<string, string>; body: string }
/** One write: what it does with the parsed body, and the route it is counted under. */
type Write = { route: string; run: (connection: string, body: JsonObject, base: string) => Promise<Reply> }

const groupsPath = '/scim/v2/Groups/'
const usersPath = '/scim/v2/Users'

/** Whether the headers leave nothing for the Hono app to decide before the body is read. */
function isPlain(request: IncomingMessage): boolean {
  const { headers } = request
  if (headers.host === undefined || !plainHost.test(headers.host)) return false
  if (headers['if-match'] !== undefined || headers['if-none-match'] !== undefined) return false
  // As readBody: a missing or empty type is taken for JSON; another one is the app's 415.
  const type = headers['content-type']
  if (type !== undefined && type !== '' && !/json/i.test(type)) return false
  // A chunked body, or one over the limit, is the app's (its body-limit middleware answers 413).
  const length = headers['content-length']
  return length !== undefined && headers['transfer-encoding'] === undefined && Number(length) <= maxBodyBytes
}

/**
 * A Node request listener's front for plain SCIM writes. Returns false for requests it does not take; for those it
 * takes, it answers, or calls `toApp` to hand the request on unanswered (a wrong token, a failing token lookup).
 */
export function directScimWrites(options: DirectScimWritesOptions): (request: IncomingMessage, response: ServerResponse, toApp: () => void) => boolean {
  const { store, recordRequest, onUnexpected } = options

  const createUser: Write = {
    route: usersPath,
    run: async (connection, body, base) => {
      const user = await createStoredUser(store, connection, body, { actor: `scim:${connection}` })
      return { status: 201, headers: { 'content-type': scimContentType, etag: etagOf(user.version), location: `${base}/Users/${user.id}` }, body: createdUserJson(user, base) }
    },
  }
  const patchGroup = (id: string): Write => ({
    route: `${groupsPath}:id`,
    run: async (connection, body) => {
      const group = await patchStoredGroup(store, connection, id, body, { actor: `scim:${connection}` })
      return { status: 204, headers: { etag: etagOf(group.version) }, body: '' }
    },
  })

  /** The write a request asks for, undefined for any other request. */
  const writeOf = (method: string | undefined, url: string): Write | undefined => {
    if (method === 'POST') return url === usersPath ? createUser : undefined
    if (method !== 'PATCH' || !url.startsWith(groupsPath)) return undefined
    const id = url.slice(groupsPath.length)
    return plainId.test(id) ? patchGroup(id) : undefined
  }

  /** The request's write, for the connection its token named, answered as the route answers it. */
  const reply = async (request: IncomingMessage, write: Write, connection: string, host: string): Promise<Reply> => {
    try {
      // As the app's authentication: a Host that names no host is refused before anything is read or written.
      const base = scimBaseUrl(`http://${host}`)
      // Content-Length is within the limit, so the whole body is read.
      const text = (await readRequestBody(request, maxBodyBytes)) ?? ''
      return await write.run(connection, parseBodyText(text), base)
    } catch (error) {
      const failure = scimFailure(error, onUnexpected)
      return { status: failure.status, headers: Object.fromEntries(failure.headers), body: await failure.text() }
    }
  }

  const answer = async (request: IncomingMessage, response: ServerResponse, write: Write, connection: string, host: string, started: number): Promise<void> => {
    const { status, headers, body } = await reply(request, write, connection, host)
    try {
      // The client went away mid-body: nobody is left to answer; recorded as 499, as the app records it.
      if (status !== clientClosedStatus) {
        response.writeHead(status, body === '' ? headers : { ...headers, 'content-length': Buffer.byteLength(body) })
        response.end(body)
      }
    } catch (error) {
      onUnexpected?.(error)
      response.destroy()
    }
    recordRequest({ method: request.method ?? '', route: write.route, path: request.url ?? write.route, status, seconds: (performance.now() - started) / 1000, connection })
  }

  return (request, response, toApp) => {
    const write = request.url === undefined ? undefined : writeOf(request.method, request.url)
    if (write === undefined) return false
    const token = bearerToken(request.headers.authorization)
    const host = request.headers.host
    if (token === undefined || host === undefined || !isPlain(request)) return false
    const started = performance.now()
    store.authenticate(token).then(
      (connection) => {
        if (connection === undefined) return toApp()
        answer(request, response, write, connection, host, started).catch((error: unknown) => onUnexpected?.(error))
      },
      // A failing token lookup: the app answers, as it would have.
      () => toApp(),
    )
    return true
  }
}
