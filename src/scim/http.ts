// HTTP plumbing shared by the SCIM routes: JSON in and out, list parameters, ETags, bounds.
import { ScimError } from '../errors.js'
import { reply, type HttpReply } from '../http/exchange.js'
import type { Exchange } from '../http/pipeline.js'
import type { JsonObject, JsonValue, WriteOptions } from '../store/store.js'
import { resolvePath } from './attr-path.js'
import { parseFilter } from './filter/parser.js'
import { listResponseSchema, standInValue, type ResourceType } from './schemas.js'
import type { ResourceQuery } from '../store/query.js'
import { etagOf, isObject } from './resource.js'
import { isNestedDeeperThan } from '../util/json-depth.js'

export const scimContentType = 'application/scim+json'

/** Largest request body accepted (advertised as `bulk.maxPayloadSize`). */
export const maxBodyBytes = 4 * 1024 * 1024
/** Largest page (advertised as `filter.maxResults`). */
export const maxResults = 1000
export const defaultCount = 100
/**
 * Deepest nesting of arrays/objects a request body may have (the body itself is level 1). Real SCIM bodies stay
 * under 10; SQLite's JSON functions refuse documents past 1000 levels, and JSON.stringify overflows the stack a few
 * thousand levels down. Not advertised: no ServiceProviderConfig attribute says it.
 */
export const maxBodyDepth = 64

export function scimJson(body: JsonValue, status = 200, headers: Record<string, string> = {}): HttpReply {
  return scimJsonText(JSON.stringify(body), status, headers)
}

/** A reply whose body is already serialised JSON (`bytes`: its length in UTF-8, when known); `headers` is taken over. */
export function scimJsonText(json: string, status = 200, headers: Record<string, string> = {}, bytes?: number): HttpReply {
  headers['content-type'] = scimContentType
  return reply(status, headers, json, bytes)
}

/** The request body (read by the pipeline) as a JSON object; accepts application/scim+json and application/json. */
export function readBody(exchange: Exchange): JsonObject {
  const type = exchange.header('content-type')
  if (type !== undefined && type !== '' && !/json/i.test(type)) {
    throw new ScimError(415, undefined, `expected ${scimContentType}, got ${type}`)
  }
  return parseBodyText(exchange.text)
}

/** A request body's text as a JSON object. */
export function parseBodyText(text: string): JsonObject {
  if (text.length > maxBodyBytes) throw new ScimError(413, undefined, `request body exceeds ${maxBodyBytes} bytes`)
  // Measured on the text, before JSON.parse builds anything from it. `invalidSyntax` rather than `invalidValue`: the
  // limit is on the structure of the whole message (RFC 7644 §3.12: "the request body message structure was
  // invalid"), whichever attribute, PATCH operation or search field holds the nesting, not on one attribute's value.
  if (isNestedDeeperThan(text, maxBodyDepth)) {
    throw new ScimError(400, 'invalidSyntax', `request body nests arrays and objects more than ${maxBodyDepth} levels deep`)
  }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new ScimError(400, 'invalidSyntax', 'request body is not valid JSON')
  }
  if (!isObject(body as JsonValue)) throw new ScimError(400, 'invalidSyntax', 'request body must be a JSON object')
  return body as JsonObject
}

/**
 * An integer parameter; beyond ±Number.MAX_SAFE_INTEGER it is clamped there, so that it stays exact, is echoed as
 * used, and reaches SQLite as an integer (a larger one would be bound as a float: "datatype mismatch" on OFFSET).
 */
function integer(text: string | undefined, name: string): number | undefined {
  if (text === undefined || text === '') return undefined
  const trimmed = text.trim()
  if (!/^-?\d+$/.test(trimmed)) throw new ScimError(400, 'invalidValue', `${name} must be an integer`)
  // Number() rounds monotonically, so every value past the bound lands past it (or at Infinity), never back inside.
  const value = Number(trimmed)
  return Number.isSafeInteger(value) ? value : Math.sign(value) * Number.MAX_SAFE_INTEGER
}

export type ListParams = { filter?: string; startIndex?: string; count?: string; sortBy?: string; sortOrder?: string }

/**
 * RFC 7644 §3.4.2.4: startIndex below 1 is 1; count below 0 is 0 and is capped at maxResults. A startIndex past the
 * last result is an empty page that still carries totalResults; a huge one is clamped (see integer()), not refused.
 */
export function listQuery(type: ResourceType, params: ListParams): ResourceQuery {
  const startIndex = Math.max(1, integer(params.startIndex, 'startIndex') ?? 1)
  const count = Math.min(maxResults, Math.max(0, integer(params.count, 'count') ?? defaultCount))
  const query: ResourceQuery = { startIndex, count }
  if (params.filter !== undefined && params.filter.trim() !== '') query.filter = parseFilter(type, params.filter)
  if (params.sortBy !== undefined && params.sortBy.trim() !== '') {
    const order = (params.sortOrder ?? 'ascending').toLowerCase()
    if (order !== 'ascending' && order !== 'descending') throw new ScimError(400, 'invalidValue', 'sortOrder must be ascending or descending')
    const sortBy = resolvePath(type, params.sortBy.trim(), 'invalidValue')
    const def = sortBy.def
    if (def?.type === 'complex' && sortBy.subDef === undefined && standInValue(def) === undefined) {
      // RFC 7644 §3.4.2.3: "If the attribute is complex, the attribute name must be a path to a sub-attribute"; a
      // multi-valued one with a `value` still sorts by its primary value. §3.12 lists `invalidValue` for GET queries
      // and POST searches (`invalidSyntax` is for a malformed body), as for an unknown sortBy attribute.
      const text = params.sortBy.trim()
      throw new ScimError(400, 'invalidValue', `sortBy "${text}" is a complex attribute: name one of its sub-attributes, e.g. ${text}.${def.subAttributes?.[0]?.name ?? 'value'}`)
    }
    query.sort = { attr: sortBy.ref, descending: order === 'descending' }
  }
  return query
}

export function listBody(total: number, startIndex: number, resources: JsonObject[]): JsonObject {
  return { schemas: [listResponseSchema], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources }
}

const listSchemas = JSON.stringify([listResponseSchema])

/** `JSON.stringify(listBody(…))`, from resources already serialised. */
export function listJson(total: number, startIndex: number, resources: string[]): string {
  return `{"schemas":${listSchemas},"totalResults":${total},"startIndex":${startIndex},"itemsPerPage":${resources.length},"Resources":[${resources.join(',')}]}`
}

/** Versions named by an If-Match / If-None-Match header; undefined for `*` or no header. */
export function etagVersions(header: string | undefined): number[] | undefined {
  if (header === undefined || header.trim() === '' || header.trim() === '*') return undefined
  return header.split(',').map((tag) => {
    const match = /^\s*(?:W\/)?"(\d+)"\s*$/.exec(tag)
    return match === null ? -1 : Number(match[1])
  })
}

/** Who writes, for the audit log: the connection the token belongs to. */
export function actorOf(exchange: Exchange): string {
  return `scim:${exchange.connection}`
}

/** A write's options: its actor, and the versions the request's If-Match allows. */
export function writeOptions(exchange: Exchange): WriteOptions {
  const ifVersion = etagVersions(exchange.header('if-match'))
  return { actor: actorOf(exchange), ...(ifVersion === undefined ? {} : { ifVersion }) }
}

/** A 304 when the request's If-None-Match is `*` or names this version. */
export function notModified(exchange: Exchange, version: number): HttpReply | undefined {
  const header = exchange.header('if-none-match')
  if (header === undefined || (header.trim() !== '*' && etagVersions(header)?.includes(version) !== true)) return undefined
  return reply(304, { etag: etagOf(version) }, '')
}

/** `scheme://host` as sent → the SCIM base URL; a few entries (one per name the server is reached by). */
const baseUrls = new Map<string, string>()

/** The SCIM base URL of a request to `scheme://host[:port]` (a default port dropped); 400 for a host that is none. */
export function scimBaseUrl(authority: string): string {
  let base = baseUrls.get(authority)
  if (base === undefined) {
    let origin: string
    try {
      origin = new URL(authority).origin
    } catch {
      // `999.0.0.1`, `a b`: the client's mistake, not ours.
      throw new ScimError(400, undefined, 'the Host header does not name a valid host')
    }
    base = `${origin}/scim/v2`
    if (baseUrls.size >= 64) baseUrls.clear()
    baseUrls.set(authority, base)
  }
  return base
}

/** The last Host seen and its base URL: a server is reached by one name nearly every time. */
let last: { authority: string; scheme: string; base: string } | undefined

/** The SCIM base URL the request addressed; 400 without a Host, or with one that names no host. */
export function baseUrl(exchange: Exchange): string {
  const { authority, scheme } = exchange.request
  if (authority === undefined || authority === '') throw new ScimError(400, undefined, 'a Host header is required')
  if (last !== undefined && last.authority === authority && last.scheme === scheme) return last.base
  const base = scimBaseUrl(`${scheme}://${authority}`)
  last = { authority, scheme, base }
  return base
}
