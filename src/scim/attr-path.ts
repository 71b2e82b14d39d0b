// Resolves SCIM attribute paths (`name.givenName`, `emails`, `urn:…:enterprise:2.0:User:manager.value`) against a resource type.
import { ScimError, type ScimErrorType } from '../errors.js'
import type { AttrRef } from '../store/query.js'
import type { JsonObject, JsonValue } from '../store/store.js'
import { coreAttributes, findAttr, findExtension, type AttrDef, type ResourceType } from './schemas.js'

/** A resolved path: the store-facing reference plus the definitions it came from (absent for unknown extensions). */
export type ResolvedAttr = {
  ref: AttrRef
  def?: AttrDef
  subDef?: AttrDef
}

/**
 * Splits `urn:…:Schema:attr.sub` into its schema URN (if any) and the `attr.sub` rest. Names may carry their
 * core schema URN (RFC 7644 §3.10): `urn:…:core:2.0:Group:members` is core `members`, and the core URN alone
 * is the core schema with an empty rest.
 */
export function splitUrn(type: ResourceType, text: string): { urn?: string; isCore: boolean; rest: string } {
  const lower = text.toLowerCase()
  const core = type.core.id.toLowerCase()
  if (lower.startsWith(`${core}:`)) return { isCore: true, rest: text.slice(core.length + 1) }
  if (lower === core) return { isCore: true, rest: '' }
  for (const extension of type.extensions) {
    const id = extension.id.toLowerCase()
    if (lower === id) return { urn: extension.id, isCore: false, rest: '' }
    if (lower.startsWith(`${id}:`)) return { urn: extension.id, isCore: false, rest: text.slice(id.length + 1) }
  }
  if (lower.startsWith('urn:')) {
    // An extension this server does not define: its attributes are kept as sent (RFC 7643 §3.3).
    const cut = text.lastIndexOf(':')
    return { urn: text.slice(0, cut), isCore: false, rest: text.slice(cut + 1) }
  }
  return { isCore: true, rest: text }
}

/**
 * RFC 7643 §2.1 ATTRNAME, and `$ref`. A name starts with a letter, which keeps `__proto__` out of every path, filter
 * and sortBy: PATCH (patch-document.ts) writes path names as object keys.
 */
const namePattern = /^[A-Za-z$][\w$-]*$/

function refOf(def: AttrDef, subDef: AttrDef | undefined, extension: string | undefined): AttrRef {
  const leaf = subDef ?? def
  return {
    ...(extension === undefined ? {} : { extension }),
    name: def.name,
    ...(subDef === undefined ? {} : { sub: subDef.name }),
    type: leaf.type,
    caseExact: leaf.caseExact,
    multiValued: def.multiValued,
  }
}

/** Resolves a top-level path; unknown attributes of known schemas are refused with `scimType`. */
export function resolvePath(type: ResourceType, text: string, scimType: ScimErrorType): ResolvedAttr {
  const { urn, isCore, rest } = splitUrn(type, text)
  const [name = '', sub, ...more] = rest.split('.')
  if (!namePattern.test(name) || more.length > 0 || (sub !== undefined && !namePattern.test(sub))) {
    throw new ScimError(400, scimType, `"${text}" is not a valid attribute path`)
  }
  const extension = urn === undefined ? undefined : findExtension(type, urn)
  if (urn !== undefined && extension === undefined) {
    return {
      ref: { extension: urn, name, ...(sub === undefined ? {} : { sub }), type: 'string', caseExact: false, multiValued: false },
    }
  }
  const attributes = isCore || extension === undefined ? coreAttributes(type) : extension.attributes
  const def = findAttr(attributes, name)
  if (def === undefined) throw new ScimError(400, scimType, `unknown attribute "${text}"`)
  let subDef: AttrDef | undefined
  if (sub !== undefined) {
    subDef = findAttr(def.subAttributes, sub)
    if (subDef === undefined) throw new ScimError(400, scimType, `unknown sub-attribute "${text}"`)
  }
  return { ref: refOf(def, subDef, extension?.id), def, ...(subDef === undefined ? {} : { subDef }) }
}

/** Resolves a sub-attribute name inside a value filter (`emails[type eq "work"]`). */
export function resolveSubPath(parent: ResolvedAttr, text: string, scimType: ScimErrorType): ResolvedAttr {
  if (!namePattern.test(text)) throw new ScimError(400, scimType, `"${text}" is not a valid sub-attribute`)
  if (parent.def === undefined) {
    return { ref: { ...parent.ref, sub: text, type: 'string', caseExact: false } }
  }
  const subDef = findAttr(parent.def.subAttributes, text)
  if (subDef === undefined) throw new ScimError(400, scimType, `unknown sub-attribute "${parent.def.name}.${text}"`)
  return { ref: refOf(parent.def, subDef, parent.ref.extension), def: parent.def, subDef }
}

/**
 * The entries of a path-less PATCH value or a POST/PUT body with core URN prefixes taken off their names
 * (`urn:…:core:2.0:Group:members` → `members`), and an object under the core URN itself spread into its
 * attributes (one level, named either way). Other names, extension URNs included, are left as sent.
 */
export function coreNamedEntries(type: ResourceType, value: JsonObject): [string, JsonValue][] {
  const entries: [string, JsonValue][] = []
  const push = (key: string, item: JsonValue, isNested: boolean): void => {
    const { isCore, rest } = key.toLowerCase().startsWith('urn:') ? splitUrn(type, key) : { isCore: false, rest: key }
    if (!isCore) entries.push([key, item])
    else if (rest !== '') entries.push([rest, item])
    else if (isNested) entries.push([key, item]) // left to fail as a path: the core URN is no attribute
    else if (typeof item === 'object' && item !== null && !Array.isArray(item)) for (const [name, inner] of Object.entries(item)) push(name, inner, true)
    else throw new ScimError(400, 'invalidValue', `${key} must be an object of ${type.name} attributes`)
  }
  for (const [key, item] of Object.entries(value)) push(key, item, false)
  return entries
}
