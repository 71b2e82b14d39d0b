// /Groups: create, read, list, search, replace, patch, delete; members live in the membership table.
import { ScimError } from '../errors.js'
import { emptyReply, type HttpReply } from '../http/exchange.js'
import type { Exchange, Route } from '../http/pipeline.js'
import type { Store, StoredGroup } from '../store/store.js'
import { actorOf, baseUrl, notModified, writeOptions, listBody, listQuery, readBody, scimJson, type ListParams } from './http.js'
import { parsePatchBody, patchGroup } from './patch.js'
import { isReturned, parseProjection, project, type Projection } from './projection.js'
import { etagOf, memberIds, normalizeResource, renderGroup } from './resource.js'
import { groupType } from './schemas.js'
import { listRoutes } from './list-routes.js'

function projectionOf(exchange: Exchange): Projection {
  const query = exchange.queries()
  return parseProjection(groupType, query['attributes'], query['excludedAttributes'])
}

function respond(exchange: Exchange, group: StoredGroup, projection: Projection, status = 200): HttpReply {
  const headers: Record<string, string> = { etag: etagOf(group.version) }
  const base = baseUrl(exchange)
  if (status === 201) headers['location'] = `${base}/Groups/${group.id}`
  return scimJson(project(groupType, renderGroup(group, base), projection), status, headers)
}

function notFound(id: string): ScimError {
  return new ScimError(404, undefined, `Group ${id} not found`)
}

async function list(exchange: Exchange, store: Store, params: ListParams, projection: Projection): Promise<HttpReply> {
  const query = listQuery(groupType, params)
  // `excludedAttributes=members` must not touch the membership table.
  const result = await store.listGroups(exchange.connection, query, isReturned(projection, 'members'))
  const base = baseUrl(exchange)
  return scimJson(listBody(result.total, query.startIndex, result.items.map((group) => project(groupType, renderGroup(group, base), projection))))
}

/** The /Groups routes (below /scim/v2/Groups), behind the SCIM token guard. */
export function groupRoutes(store: Store, maxBody: number): Route[] {
  return [
    {
      method: 'POST',
      path: '',
      maxBody,
      handle: async (exchange) => {
        const { doc, members } = normalizeResource(groupType, readBody(exchange))
        const group = await store.createGroup(exchange.connection, doc, memberIds(members), { actor: actorOf(exchange) })
        return respond(exchange, group, projectionOf(exchange), 201)
      },
    },
    ...listRoutes(groupType, (exchange, params, projection) => list(exchange, store, params, projection), maxBody),
    {
      method: 'GET',
      path: '/:id',
      handle: async (exchange) => {
        const projection = projectionOf(exchange)
        const id = exchange.param('id')
        const group = await store.getGroup(exchange.connection, id, isReturned(projection, 'members'))
        if (group === undefined) throw notFound(id)
        return notModified(exchange, group.version) ?? respond(exchange, group, projection)
      },
    },
    {
      method: 'PUT',
      path: '/:id',
      maxBody,
      handle: async (exchange) => {
        const id = exchange.param('id')
        const { doc, members } = normalizeResource(groupType, readBody(exchange), id)
        const group = await store.replaceGroup(exchange.connection, id, doc, memberIds(members), writeOptions(exchange))
        return respond(exchange, group, projectionOf(exchange))
      },
    },
    {
      method: 'PATCH',
      path: '/:id',
      maxBody,
      handle: async (exchange) => {
        const id = exchange.param('id')
        const operations = parsePatchBody(readBody(exchange))
        const group = await store.modifyGroup(exchange.connection, id, (current, loadMembers) => patchGroup(groupType, id, current.doc, operations, loadMembers), writeOptions(exchange))
        // RFC 7644 §3.5.2: 204 is allowed; returning 50,000 members after adding one would dominate the cost.
        const query = exchange.queries()
        if (query['attributes'] === undefined && query['excludedAttributes'] === undefined) return emptyReply(204, { etag: etagOf(group.version) })
        const projection = projectionOf(exchange)
        const fresh = await store.getGroup(exchange.connection, id, isReturned(projection, 'members'))
        if (fresh === undefined) throw notFound(id)
        return respond(exchange, fresh, projection)
      },
    },
    {
      method: 'DELETE',
      path: '/:id',
      handle: async (exchange) => {
        await store.deleteGroup(exchange.connection, exchange.param('id'), writeOptions(exchange))
        return emptyReply(204)
      },
    },
  ]
}
