// `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5): which attributes a response carries.
import { ScimError } from '../errors.js'
import type { JsonObject, JsonValue } from '../store/store.js'
import { resolvePath, splitUrn } from './attr-path.js'
import { coreAttributes, findAttr, type ResourceType } from './schemas.js'
import { isObject } from './resource.js'
import { setOwn } from './own-keys.js'

/** One selected attribute: scope is '' for the core schema or the extension URN; no name selects a whole extension. */
type Selector = { scope: string; name?: string; sub?: string }

export type Projection = { include?: Selector[]; exclude?: Selector[] }

function selectors(type: ResourceType, text: string | undefined): Selector[] | undefined {
  if (text === undefined || text.trim() === '') return undefined
  return text.split(',').map((item) => {
    const path = item.trim()
    const { urn, isCore, rest } = splitUrn(type, path)
    if (!isCore && urn !== undefined && rest === '') return { scope: urn.toLowerCase() }
    // The core schema URN alone selects every core attribute (RFC 7644 §3.10: names may carry their schema URN).
    if (isCore && rest === '' && path !== '') return { scope: '' }
    try {
      const ref = resolvePath(type, path, 'invalidValue').ref
      return { scope: (ref.extension ?? '').toLowerCase(), name: ref.name.toLowerCase(), ...(ref.sub === undefined ? {} : { sub: ref.sub.toLowerCase() }) }
    } catch (error) {
      if (error instanceof ScimError) throw new ScimError(400, 'invalidValue', `attributes: ${error.detail}`)
      throw error
    }
  })
}

export function parseProjection(type: ResourceType, attributes: string | undefined, excluded: string | undefined): Projection {
  const include = selectors(type, attributes)
  const exclude = selectors(type, excluded)
  return { ...(include === undefined ? {} : { include }), ...(exclude === undefined ? {} : { exclude }) }
}

/**
 * Whether a core attribute (e.g. `members`, `groups`) appears in the response, so that it need not be read.
 * Attributes with `returned: request` appear only when `attributes` names them.
 */
export function isReturned(projection: Projection, name: string, isRequestOnly = false): boolean {
  const lower = name.toLowerCase()
  if (isRequestOnly && projection.include === undefined) return false
  const names = (selector: Selector) => selector.scope === '' && (selector.name === undefined || selector.name === lower)
  if (projection.include !== undefined) return projection.include.some(names)
  if (projection.exclude !== undefined) return !projection.exclude.some((selector) => names(selector) && selector.sub === undefined)
  return true
}

function pickSubs(value: JsonValue, subs: Set<string>): JsonValue {
  if (Array.isArray(value)) return value.map((item) => pickSubs(item, subs))
  if (!isObject(value)) return value
  return Object.fromEntries(Object.entries(value).filter(([key]) => subs.has(key.toLowerCase())))
}

function dropSubs(value: JsonValue, subs: Set<string>): JsonValue {
  if (Array.isArray(value)) return value.map((item) => dropSubs(item, subs))
  if (!isObject(value)) return value
  return Object.fromEntries(Object.entries(value).filter(([key]) => !subs.has(key.toLowerCase())))
}

/** Applies `attributes` then `excludedAttributes` to one objectwithin a scope (core resource or an extension object). */
function projectScope(object: JsonObject, scope: string, projection: Projection, isAlways: (key: string) => boolean): JsonObject {
  const result: JsonObject = {}
  for (const [key, value] of Object.entries(object)) {
    const lower = key.toLowerCase()
    if (isAlways(lower)) {
      result[key] = value
      continue
    }
    if (lower.startsWith('urn:') && scope === '') {
      if (!isObject(value)) continue
      const wholeIncluded = projection.include === undefined || projection.include.some((selector) => selector.scope === lower && selector.name === undefined)
      const wholeExcluded = projection.exclude?.some((selector) => selector.scope === lower && selector.name === undefined) === true
      if (wholeExcluded) continue
      const inner = wholeIncluded ? projectScope(value, lower, { ...(projection.exclude === undefined ? {} : { exclude: projection.exclude }) }, () => false) : projectScope(value, lower, projection, () => false)
      if (Object.keys(inner).length > 0) setOwn(result, key, inner)
      continue
    }
    let kept: JsonValue | undefined = value
    const isWhole = (selectors: Selector[] | undefined) => selectors?.some((selector) => selector.scope === scope && selector.name === undefined) === true
    if (projection.include !== undefined && !isWhole(projection.include)) {
      const matches = projection.include.filter((selector) => selector.scope === scope && selector.name === lower)
      if (matches.length === 0) kept = undefined
      else if (!matches.some((selector) => selector.sub === undefined)) kept = pickSubs(value, new Set(matches.map((selector) => selector.sub ?? '')))
    }
    if (isWhole(projection.exclude)) kept = undefined
    if (kept !== undefined && projection.exclude !== undefined) {
      const matches = projection.exclude.filter((selector) => selector.scope === scope && selector.name === lower)
      if (matches.some((selector) => selector.sub === undefined)) kept = undefined
      else if (matches.length > 0) kept = dropSubs(kept, new Set(matches.map((selector) => selector.sub ?? '')))
    }
    // Stored keys: an extension kept as sent before `__proto__` was refused may hold one.
    if (kept !== undefined) setOwn(result, key, kept)
  }
  return result
}

/** The resource with only the attributes the request asked for; `returned: always` attributes stay. */
export function project(type: ResourceType, resource: JsonObject, projection: Projection): JsonObject {
  if (projection.include === undefined && projection.exclude === undefined) return resource
  const attributes = coreAttributes(type)
  return projectScope(resource, '', projection, (key) => key === 'schemas' || findAttr(attributes, key)?.returned === 'always')
}
