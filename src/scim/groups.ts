// /Groups: create, read, list, search, replace, patch, delete; members live in the membership table.
import { Hono, type Context } from 'hono'
import { ScimError } from '../errors.js'
import type { JsonObject, Store, StoredGroup, WriteOptions } from '../store/store.js'
import { actorOf, baseUrl, notModified, writeOptions, listBody, listQuery, readBody, scimJson, type ListParams, type ScimEnv } from './http.js'
import { parsePatchBody, patchGroup } from './patch.js'
import { isReturned, parseProjection, project, type Projection } from './projection.js'
import { etagOf, memberIds, normalizeResource, renderGroup } from './resource.js'
import { groupType } from './schemas.js'
import { searchParams } from './search.js'

function projectionOf(c: Context): Projection {
  return parseProjection(groupType, c.req.query('attributes'), c.req.query('excludedAttributes'))
}

function respond(c: Context, group: StoredGroup, projection: Projection, status = 200): Response {
  const headers: Record<string, string> = { etag: etagOf(group.version) }
  const base = baseUrl(c)
  if (status === 201) headers['location'] = `${base}/Groups/${group.id}`
  return scimJson(project(groupType, renderGroup(group, base), projection), status, headers)
}

function notFound(id: string): ScimError {
  return new ScimError(404, undefined, `Group ${id} not found`)
}

async function list(c: Context<ScimEnv>, store: Store, params: ListParams, projection: Projection): Promise<Response> {
  const query = listQuery(groupType, params)
  // `excludedAttributes=members` must not touch the membership table.
  const result = await store.listGroups(c.get('connection'), query, isReturned(projection, 'members'))
  const base = baseUrl(c)
  return scimJson(listBody(result.total, query.startIndex, result.items.map((group) => project(groupType, renderGroup(group, base), projection))))
}

/** PATCH /Groups/{id} with this body, as the route and the direct PATCH (server/direct-scim-writes.ts) apply it. */
export function patchStoredGroup(store: Store, connection: string, id: string, body: JsonObject, options: WriteOptions): Promise<StoredGroup> {
  const operations = parsePatchBody(body)
  return store.modifyGroup(connection, id, (current, loadMembers) => patchGroup(groupType, id, current.doc, operations, loadMembers), options)
}

export function groupRoutes(store: Store): Hono<ScimEnv> {
  const app = new Hono<ScimEnv>()

  app.post('/', async (c) => {
    const { doc, members } = normalizeResource(groupType, await readBody(c))
    const group = await store.createGroup(c.get('connection'), doc, memberIds(members), { actor: actorOf(c) })
    return respond(c, group, projectionOf(c), 201)
  })

  app.post('/.search', async (c) => {
    const search = searchParams(await readBody(c))
    return list(c, store, search.params, parseProjection(groupType, search.attributes, search.excludedAttributes))
  })

  app.get('/', (c) => {
    // One pass over the query string for every parameter.
    const params = c.req.query()
    return list(c, store, params, parseProjection(groupType, params['attributes'], params['excludedAttributes']))
  })

  app.get('/:id', async (c) => {
    const projection = projectionOf(c)
    const group = await store.getGroup(c.get('connection'), c.req.param('id'), isReturned(projection, 'members'))
    if (group === undefined) throw notFound(c.req.param('id'))
    const unchanged = notModified(c, group.version)
    if (unchanged !== undefined) return unchanged
    return respond(c, group, projection)
  })

  app.put('/:id', async (c) => {
    const id = c.req.param('id')
    const { doc, members } = normalizeResource(groupType, await readBody(c), id)
    const group = await store.replaceGroup(c.get('connection'), id, doc, memberIds(members), writeOptions(c))
    return respond(c, group, projectionOf(c))
  })

  app.patch('/:id', async (c) => {
    const id = c.req.param('id')
    const group = await patchStoredGroup(store, c.get('connection'), id, await readBody(c), writeOptions(c))
    // RFC 7644 §3.5.2: 204 is allowed; returning 50,000 members after adding one would dominate the cost.
    if (c.req.query('attributes') === undefined && c.req.query('excludedAttributes') === undefined) {
      return new Response(null, { status: 204, headers: { etag: etagOf(group.version) } })
    }
    const projection = projectionOf(c)
    const fresh = await store.getGroup(c.get('connection'), id, isReturned(projection, 'members'))
    if (fresh === undefined) throw notFound(id)
    return respond(c, fresh, projection)
  })

  app.delete('/:id', async (c) => {
    await store.deleteGroup(c.get('connection'), c.req.param('id'), writeOptions(c))
    return new Response(null, { status: 204 })
  })

  return app
}
