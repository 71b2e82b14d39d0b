// /Users: create, read, list, search, replace, patch, delete (RFC 7644 §3.3–§3.6).
import { Hono, type Context } from 'hono'
import { ScimError } from '../errors.js'
import type { JsonObject, Store, StoredUser, WriteOptions } from '../store/store.js'
import { actorOf, baseUrl, notModified, writeOptions, listBody, listJson, listQuery, readBody, scimJson, scimJsonText, type ListParams, type ScimEnv } from './http.js'
import { parsePatchBody, patchUser } from './patch.js'
import { isReturned, parseProjection, project, type Projection } from './projection.js'
import { etagOf, normalizeResource, renderUser } from './resource.js'
import { userType } from './schemas.js'
import { searchParams } from './search.js'

function projectionOf(c: Context): Projection {
  return parseProjection(userType, c.req.query('attributes'), c.req.query('excludedAttributes'))
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

/** POST /Users with this body, as the route and the direct POST (server/direct-scim-writes.ts) apply it. */
export function createStoredUser(store: Store, connection: string, body: JsonObject, options: WriteOptions): Promise<StoredUser> {
  return store.createUser(connection, normalizeResource(userType, body).doc, options)
}

/** The body of a 201 to a POST /Users (the whole user, freshly rendered). */
export function createdUserJson(user: StoredUser, base: string): string {
  return JSON.stringify(renderUser(user, base))
}

function respond(c: Context, user: StoredUser, projection: Projection, status = 200): Response {
  const headers: Record<string, string> = { etag: etagOf(user.version) }
  const base = baseUrl(c)
  if (status === 201) headers['location'] = `${base}/Users/${user.id}`
  if (isWhole(projection)) return scimJsonText(status === 200 ? userJson(user, base).json : createdUserJson(user, base), status, headers)
  return scimJson(project(userType, renderUser(user, base), projection), status, headers)
}

function notFound(id: string): ScimError {
  return new ScimError(404, undefined, `User ${id} not found`)
}

/**
 * A page of a connection's users as SCIM JSON text. The list route and the direct read of rolecall serve
 * (server/direct-scim.ts) both answer with it. Throws ScimError for a malformed filter or paging parameter.
 */
export async function listUsersJson(store: Store, connection: string, params: ListParams, projection: Projection, base: string): Promise<JsonText> {
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

async function list(c: Context<ScimEnv>, store: Store, params: ListParams, projection: Projection): Promise<Response> {
  return scimJsonText((await listUsersJson(store, c.get('connection'), params, projection, baseUrl(c))).json)
}

export function userRoutes(store: Store): Hono<ScimEnv> {
  const app = new Hono<ScimEnv>()

  app.post('/', async (c) => {
    const user = await createStoredUser(store, c.get('connection'), await readBody(c), { actor: actorOf(c) })
    return respond(c, user, projectionOf(c), 201)
  })

  app.post('/.search', async (c) => {
    const search = searchParams(await readBody(c))
    return list(c, store, search.params, parseProjection(userType, search.attributes, search.excludedAttributes))
  })

  app.get('/', (c) => {
    // One pass over the query string for every parameter.
    const params = c.req.query()
    return list(c, store, params, parseProjection(userType, params['attributes'], params['excludedAttributes']))
  })

  app.get('/:id', async (c) => {
    const projection = projectionOf(c)
    const user = await store.getUser(c.get('connection'), c.req.param('id'), isReturned(projection, 'groups', true))
    if (user === undefined) throw notFound(c.req.param('id'))
    const unchanged = notModified(c, user.version)
    if (unchanged !== undefined) return unchanged
    return respond(c, user, projection)
  })

  app.put('/:id', async (c) => {
    const id = c.req.param('id')
    const { doc } = normalizeResource(userType, await readBody(c), id)
    await store.replaceUser(c.get('connection'), id, doc, writeOptions(c))
    return reread(c, store, id)
  })

  app.patch('/:id', async (c) => {
    const id = c.req.param('id')
    const operations = parsePatchBody(await readBody(c))
    await store.modifyUser(c.get('connection'), id, (current) => patchUser(userType, id, current.doc, operations), writeOptions(c))
    return reread(c, store, id)
  })

  app.delete('/:id', async (c) => {
    await store.deleteUser(c.get('connection'), c.req.param('id'), writeOptions(c))
    return new Response(null, { status: 204 })
  })

  return app
}

/** The committed user, with its groups, after a write. */
async function reread(c: Context<ScimEnv>, store: Store, id: string): Promise<Response> {
  const projection = projectionOf(c)
  const user = await store.getUser(c.get('connection'), id, isReturned(projection, 'groups', true))
  if (user === undefined) throw notFound(id)
  return respond(c, user, projection)
}
