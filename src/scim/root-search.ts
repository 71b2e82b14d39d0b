// POST /scim/v2/.search (RFC 7644 §3.4.3): Users and Groups searched together, each filter compiled to SQL per type.
import type { Route } from '../http/pipeline.js'
import { ScimError } from '../errors.js'
import type { AttrRef, Filter, ResourceQuery, RootSearch, TypeSearch } from '../store/query.js'
import type { JsonObject, Store } from '../store/store.js'
import { baseUrl, listBody, listQuery, readBody, scimJson, type ListParams } from './http.js'
import { isReturned, parseProjection, project, type Projection } from './projection.js'
import { renderGroup, renderUser } from './resource.js'
import { allSchemas, coreAttributes, findAttr, findExtension, groupType, userType, type ResourceType, type SchemaDef } from './schemas.js'
import { searchParams } from './search.js'

/**
 * `type` as a root search reads a filter or sortBy: its own attributes, then the other type's (its core schema's
 * URN as an extension, so that `urn:…:core:2.0:Group:displayName` resolves too), so that an attribute of either
 * type parses. nativeFilter then turns every comparison on an attribute `type` lacks into false. An attribute
 * neither type has is refused as on /Users and /Groups.
 */
function searchedAs(type: ResourceType, other: ResourceType): ResourceType {
  const own = coreAttributes(type)
  const borrowed = other.core.attributes.filter((def) => findAttr(own, def.name) === undefined)
  const otherExtensions: SchemaDef[] = [...other.extensions.filter((extension) => findExtension(type, extension.id) === undefined), other.core]
  return { ...type, core: { ...type.core, attributes: [...type.core.attributes, ...borrowed] }, extensions: [...type.extensions, ...otherExtensions] }
}

const searched = [
  { type: userType, as: searchedAs(userType, groupType) },
  { type: groupType, as: searchedAs(groupType, userType) },
] as const

const definedSchemas = new Set(allSchemas.map((schema) => schema.id.toLowerCase()))

/**
 * Whether `type` has the attribute `ref` names. One of an extension no schema of this server defines is kept as
 * sent on either type, so both may have it; one of a schema defined for the other type only, this type has not.
 */
function hasAttribute(type: ResourceType, ref: AttrRef): boolean {
  if (ref.extension !== undefined) {
    const extension = findExtension(type, ref.extension)
    if (extension === undefined) return !definedSchemas.has(ref.extension.toLowerCase())
    return findAttr(extension.attributes, ref.name) !== undefined
  }
  const def = findAttr(coreAttributes(type), ref.name)
  return def !== undefined && (ref.sub === undefined || findAttr(def.subAttributes, ref.sub) !== undefined)
}

/**
 * `filter` for the resources of `type`: RFC 7644 §3.4.2.2 compares an attribute a resource does not have as false
 * (so `not (userName eq "x")` holds for every group), folded until what is left names `type`'s attributes only;
 * true and false are a filter that keeps every resource of the type, or none.
 */
export function nativeFilter(type: ResourceType, filter: Filter): Filter | boolean {
  switch (filter.kind) {
    case 'compare':
    case 'present':
    case 'valuePath':
      return hasAttribute(type, filter.attr) ? filter : false
    case 'not': {
      const inner = nativeFilter(type, filter.filter)
      return typeof inner === 'boolean' ? !inner : { kind: 'not', filter: inner }
    }
    case 'and':
    case 'or': {
      const left = nativeFilter(type, filter.left)
      const right = nativeFilter(type, filter.right)
      // The value that decides the whole (false for and, true for or), and the one that leaves the other side.
      const deciding = filter.kind === 'or'
      if (left === deciding || right === deciding) return deciding
      if (typeof left === 'boolean') return right
      if (typeof right === 'boolean') return left
      return { kind: filter.kind, left, right }
    }
    default: {
      const never: never = filter
      return never
    }
  }
}

/**
 * `attributes`/`excludedAttributes` for the resources of `type`: the names `type` has. A name neither type has is
 * refused (400 invalidValue), as on /Users and /Groups; `attributes` naming none of `type`'s leaves its resources
 * only what is always returned (`id`, `schemas`: RFC 7643 §7 `returned`), by which a client still tells their type.
 */
function projectionFor(type: ResourceType, attributes: string | undefined, excluded: string | undefined): Projection {
  const keep = (text: string | undefined): string | undefined => {
    if (text === undefined || text.trim() === '') return undefined
    return text
      .split(',')
      .filter((item) => {
        const answers = searched.map((candidate) => {
          try {
            parseProjection(candidate.type, item, undefined)
            return undefined
          } catch (error) {
            if (error instanceof ScimError) return error
            throw error
          }
        })
        const [forUsers, forGroups] = answers
        if (forUsers !== undefined && forGroups !== undefined) throw forUsers
        return (type === userType ? forUsers : forGroups) === undefined
      })
      .join(',')
  }
  const included = keep(attributes)
  const projection = parseProjection(type, included, keep(excluded))
  return included === '' ? { ...projection, include: [] } : projection
}

/** One type's part of a root search: undefined when its folded filter is false (nothing of the type can match). */
function typeSearch(type: ResourceType, query: ResourceQuery): TypeSearch | undefined {
  const filter = query.filter === undefined ? true : nativeFilter(type, query.filter)
  if (filter === false) return undefined
  const sortBy = query.sort !== undefined && hasAttribute(type, query.sort.attr) ? query.sort.attr : undefined
  return { ...(filter === true ? {} : { filter }), ...(sortBy === undefined ? {} : { sortBy }) }
}

/** The search `params` ask for, in the form the store runs (per type: its folded filter and its sort key). */
export function rootSearch(params: ListParams): RootSearch {
  const [forUsers, forGroups] = searched
  // Paging and sortOrder read the same for both types: either query's say them.
  const userQuery = listQuery(forUsers.as, params)
  const users = typeSearch(forUsers.type, userQuery)
  const groups = typeSearch(forGroups.type, listQuery(forGroups.as, params))
  return {
    ...(users === undefined ? {} : { users }),
    ...(groups === undefined ? {} : { groups }),
    ...(userQuery.sort === undefined ? {} : { sort: { descending: userQuery.sort.descending } }),
    startIndex: userQuery.startIndex,
    count: userQuery.count,
  }
}

/** The ListResponse to a root search with this SearchRequest body (RFC 7644 §3.4.3), for the token's connection. */
export async function searchAll(store: Store, connection: string, body: JsonObject, base: string): Promise<JsonObject> {
  const request = searchParams(body)
  const search = rootSearch(request.params)
  const users = projectionFor(userType, request.attributes, request.excludedAttributes)
  const groups = projectionFor(groupType, request.attributes, request.excludedAttributes)
  const result = await store.searchResources(connection, search, { withGroups: isReturned(users, 'groups', true), withMembers: isReturned(groups, 'members') })
  const resources = result.items.map((hit) =>
    hit.resourceType === 'User' ? project(userType, renderUser(hit.user, base), users) : project(groupType, renderGroup(hit.group, base), groups),
  )
  return listBody(result.total, search.startIndex, resources)
}

/** POST /scim/v2/.search, as a route of the pipeline's area at that path (behind the connection's token). */
export function rootSearchRoutes(store: Store, maxBody: number): Route[] {
  return [
    {
      method: 'POST',
      path: '',
      maxBody,
      handle: async (exchange) => scimJson(await searchAll(store, exchange.connection, readBody(exchange), baseUrl(exchange))),
    },
  ]
}
