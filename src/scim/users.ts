// /Users: create, read, list, search, replace, patch, delete (RFC 7644 §3.3–§3.6).
import { ScimError } from '../errors.js'
import { emptyReply, type HttpReply } from '../http/exchange.js'
import type { Exchange, Route } from '../http/pipeline.js'
import type { Store, StoredUser } from '../store/store.js'
import { actorOf, baseUrl, notModified, writeOptions, listBody, listJson, listQuery, readBody, scimJson, scimJsonText, type ListParams } from './http.js'
import { parsePatchBody, patchUser } from './patch.js'
import { isReturned, parseProjection, project, type Projection } from './projection.js'
import { etagOf, normalizeResource, renderUser } from './resource.js'
import { userType } from './schemas.js'
import { listRoutes } from './list-routes.js'

function projectionOf(exchange: Exchange): Projection {
  const query = exchange.queries()
  return parseProjection(userType, query['attributes'], query['excludedAttributes'])
}

/** SCIM JSON text and its length in UTF-8 bytes (the Content-Length it is sent with). */
export type JsonText = { json: string; bytes: number }

/**
 * Users as last serialised, by stored object. The store shares a cached user between reads and never changes
 * it (a write makes a new one), so its JSON is built once per base URL, not once per GET.
 */
const serialised = new WeakMap<StoredUser, JsonText & { base: string }>()

function isWhole(projection: Projection): boolean {
  return projection.include === undefined && projection.exclude === undefined
}

/** The whole user as SCIM JSON text, serialised (and measured) once per stored object and base URL. */
export function userJson(user: StoredUser, base: string): JsonText {
  const hit = serialised.get(user)
  if (hit !== undefined && hit.base === base) return hit
  const json = JSON.stringify(renderUser(user, base))
  const text = { base, json, bytes: Buffer.byteLength(json) }
  serialised.set(user, text)
  return text
}

function respond(exchange: Exchange, user: StoredUser, projection: Projection, status = 200): HttpReply {
  const headers: Record<string, string> = { etag: etagOf(user.version) }
  const base = baseUrl(exchange)
  if (status === 201) headers['location'] = `${base}/Users/${user.id}`
  if (!isWhole(projection)) return scimJson(project(userType, renderUser(user, base), projection), status, headers)
  // A new user is rendered afresh; a read one is serialised once per stored object.
  if (status === 201) return scimJsonText(JSON.stringify(renderUser(user, base)), status, headers)
  const { json, bytes } = userJson(user, base)
  return scimJsonText(json, status, headers, bytes)
}

function notFound(id: string): ScimError {
  return new ScimError(404, undefined, `User ${id} not found`)
}

/** A page of a connection's users as SCIM JSON text. Throws ScimError for a malformed filter or paging parameter. */
async function listUsersJson(store: Store, connection: string, params: ListParams, projection: Projection, base: string): Promise<JsonText> {
  const query = listQuery(userType, params)
  const result = await store.listUsers(connection, query, isReturned(projection, 'groups', true))
  if (!isWhole(projection)) {
    const json = JSON.stringify(listBody(result.total, query.startIndex, result.items.map((user) => project(userType, renderUser(user, base), projection))))
    return { json, bytes: Buffer.byteLength(json) }
  }
  const users = result.items.map((user) => userJson(user, base))
  const json = listJson(result.total, query.startIndex, users.map((user) => user.json))
  // Measured from the parts: the wrapper listJson adds is ASCII, and measuring the joined text would copy it flat.
  let bytes = json.length
  for (const user of users) bytes += user.bytes - user.json.length
  return { json, bytes }
}

async function list(exchange: Exchange, store: Store, params: ListParams, projection: Projection): Promise<HttpReply> {
  const { json, bytes } = await listUsersJson(store, exchange.connection, params, projection, baseUrl(exchange))
  return scimJsonText(json, 200, {}, bytes)
}

/** The /Users routes (below /scim/v2/Users), behind the SCIM token guard. */
export function userRoutes(store: Store, maxBody: number): Route[] {
  /** The committed user, with its groups, after a write. */
  const reread = async (exchange: Exchange, id: string): Promise<HttpReply> => {
    const projection = projectionOf(exchange)
    const user = await store.getUser(exchange.connection, id, isReturned(projection, 'groups', true))
    if (user === undefined) throw notFound(id)
    return respond(exchange, user, projection)
  }
  return [
    {
      method: 'POST',
      path: '',
      maxBody,
      handle: async (exchange) => {
        const user = await store.createUser(exchange.connection, normalizeResource(userType, readBody(exchange)).doc, { actor: actorOf(exchange) })
        return respond(exchange, user, projectionOf(exchange), 201)
      },
    },
    ...listRoutes(userType, (exchange, params, projection) => list(exchange, store, params, projection), maxBody),
    {
      method: 'GET',
      path: '/:id',
      handle: async (exchange) => {
        const projection = projectionOf(exchange)
        const id = exchange.param('id')
        const user = await store.getUser(exchange.connection, id, isReturned(projection, 'groups', true))
        if (user === undefined) throw notFound(id)
        return notModified(exchange, user.version) ?? respond(exchange, user, projection)
      },
    },
    {
      method: 'PUT',
      path: '/:id',
      maxBody,
      handle: async (exchange) => {
        const id = exchange.param('id')
        const { doc } = normalizeResource(userType, readBody(exchange), id)
        await store.replaceUser(exchange.connection, id, doc, writeOptions(exchange))
        return reread(exchange, id)
      },
    },
    {
      method: 'PATCH',
      path: '/:id',
      maxBody,
      handle: async (exchange) => {
        const id = exchange.param('id')
        const operations = parsePatchBody(readBody(exchange))
        await store.modifyUser(exchange.connection, id, (current) => patchUser(userType, id, current.doc, operations), writeOptions(exchange))
        return reread(exchange, id)
      },
    },
    {
      method: 'DELETE',
      path: '/:id',
      handle: async (exchange) => {
        await store.deleteUser(exchange.connection, exchange.param('id'), writeOptions(exchange))
        return emptyReply(204)
      },
    },
  ]
}
