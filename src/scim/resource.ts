// Incoming SCIM resources → stored documents (canonical names, coerced types), and stored resources → SCIM JSON.
import { ScimError } from '../errors.js'
import type { JsonObject, JsonValue, MemberRef, StoredGroup, StoredUser } from '../store/store.js'
import { coreNamedEntries, splitUrn } from './attr-path.js'
import { parseDateTime } from './filter/date-time.js'
import { refuseProtoKeys } from './own-keys.js'
import { coreAttributes, findAttr, findExtension, groupType, userType, type AttrDef, type ResourceType } from './schemas.js'
import { refuseUnsafeStrings } from './text.js'
import { withoutUnassigned } from './unassigned.js'
import { checkDocumentValues, checkMemberId } from './values.js'

export function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Coerces one value of a (sub-)attribute to its declared type; `undefined` means "unassigned". */
function coerceSingle(def: AttrDef, value: JsonValue, where: string): JsonValue | undefined {
  if (value === null) return undefined
  switch (def.type) {
    case 'boolean':
      if (typeof value === 'boolean') return value
      // Entra sends booleans as "True"/"False" strings.
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true'
      throw new ScimError(400, 'invalidValue', `${where} must be a boolean`)
    case 'integer':
    case 'decimal': {
      const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
      if (typeof number !== 'number' || !Number.isFinite(number) || (def.type === 'integer' && !Number.isInteger(number))) {
        throw new ScimError(400, 'invalidValue', `${where} must be ${def.type === 'integer' ? 'an integer' : 'a number'}`)
      }
      return number
    }
    case 'complex': {
      // Entra sends the enterprise `manager` as a bare id string.
      if (typeof value === 'string' && def.subAttributes?.some((sub) => sub.name === 'value') === true) value = { value }
      if (!isObject(value)) throw new ScimError(400, 'invalidValue', `${where} must be an object`)
      const result: JsonObject = {}
      for (const [key, subValue] of Object.entries(value)) {
        const subDef = findAttr(def.subAttributes, key)
        if (subDef === undefined) {
          result[key] = subValue
          continue
        }
        // A readOnly sub-attribute given in a value (the enterprise manager.displayName Okta sends) is ignored, on
        // every write: RFC 7644 §3.5.1 "Any values provided SHALL be ignored", and §3.5.2 likewise for PATCH values.
        if (isDropped(subDef)) continue
        const coerced = coerceValue(subDef, subValue, `${where}.${subDef.name}`)
        if (coerced !== undefined) result[subDef.name] = coerced
      }
      return result
    }
    case 'dateTime': {
      // Stored in one form (UTC, milliseconds) so that filters compare instants as text (RFC 7644 §3.4.2.2).
      const parsed = typeof value === 'string' ? parseDateTime(value) : undefined
      if (parsed === undefined) throw new ScimError(400, 'invalidValue', `${where} must be an xsd:dateTime such as "2026-11-23T17:23:16Z"`)
      return parsed.text
    }
    default:
      // Lenient on purpose: IdPs send numeric ids (employeeNumber, externalId) as JSON numbers, and flags as booleans.
      // A number is taken only when its decimal text is the one sent, as far as JSON.parse lets us know: a safe
      // integer. Past 2^53 the digits are already lost (12345678901234567890 reads as 12345678901234567000), and
      // large or fractional numbers print in other forms ("1.2345678901234568e+29").
      if (typeof value === 'number') {
        if (!Number.isSafeInteger(value)) {
          throw new ScimError(400, 'invalidValue', `${where} must be a string: a JSON number is taken only when it is a whole number within ±9007199254740991 (2^53 - 1); send this one as a string to keep it exactly`)
        }
        return String(value)
      }
      if (typeof value === 'boolean') return String(value)
      if (typeof value !== 'string') throw new ScimError(400, 'invalidValue', `${where} must be a string`)
      return value
  }
}

/** Coerces a whole attribute value, wrapping a single value of a multi-valued attribute in an array. */
export function coerceValue(def: AttrDef, value: JsonValue, where = def.name): JsonValue | undefined {
  if (value === null) return undefined
  if (def.multiValued) {
    const items = Array.isArray(value) ? value : [value]
    const result = items.map((item) => coerceSingle(def, item, where)).filter((item): item is JsonValue => item !== undefined)
    const primaries = result.filter((item) => isObject(item) && item['primary'] === true).length
    if (primaries > 1) {
      // RFC 7643 §2.4: the primary attribute value "true" MUST appear no more than once.
      throw new ScimError(400, 'invalidValue', `${where} has ${primaries} values with "primary": true; at most one value may be primary`)
    }
    return result
  }
  if (Array.isArray(value)) throw new ScimError(400, 'invalidValue', `${where} is single-valued`)
  return coerceSingle(def, value, where)
}

/** What may not be written: readOnly attributes, and `password`, which rolecall never stores. */
export function isDropped(def: AttrDef): boolean {
  return def.mutability === 'readOnly' || def.mutability === 'writeOnly'
}

function normalizeExtension(type: ResourceType, urn: string, value: JsonValue): JsonValue {
  const extension = findExtension(type, urn)
  if (!isObject(value)) throw new ScimError(400, 'invalidValue', `${urn} must be an object`)
  if (extension === undefined) return value
  const result: JsonObject = {}
  for (const [key, subValue] of Object.entries(value)) {
    const def = findAttr(extension.attributes, key)
    if (def === undefined) {
      result[key] = subValue
      continue
    }
    if (def.mutability === 'readOnly') continue
    const coerced = coerceValue(def, subValue, `${urn}:${def.name}`)
    if (coerced !== undefined) result[def.name] = coerced
  }
  return result
}

/** Sets `schemas` to the core schema plus every extension the document carries. */
export function withSchemas(type: ResourceType, doc: JsonObject): JsonObject {
  const { schemas: _ignored, ...rest } = doc
  const extensions = Object.keys(rest).filter((key) => key.toLowerCase().startsWith('urn:'))
  return { schemas: [type.core.id, ...extensions], ...rest }
}

/**
 * A written document as it is stored: without unassigned values (RFC 7643 §2.5: `"emails": []` is no emails, and
 * an emptied extension is no extension), then with `schemas` listing the extensions it still carries.
 */
export function storedForm(type: ResourceType, doc: JsonObject): JsonObject {
  return withSchemas(type, withoutUnassigned(type, doc))
}

export type NormalizedResource = { doc: JsonObject; members?: JsonValue }

/**
 * A POST/PUT body as a stored document. `id` and `meta` are read-only: ignored when they match, refused
 * (`mutability`) when a PUT names another id. Unknown attributes and extensions are kept as sent; a key named
 * `__proto__`, anywhere, is refused (see refuseProtoKeys).
 */
export function normalizeResource(type: ResourceType, body: JsonObject, targetId?: string): NormalizedResource {
  refuseProtoKeys(body)
  refuseUnsafeStrings(body)
  const doc: JsonObject = {}
  let members: JsonValue | undefined
  const attributes = coreAttributes(type)
  const extensionTarget = (urn: string): JsonObject => {
    const existing = doc[urn]
    if (isObject(existing)) return existing
    const created: JsonObject = {}
    doc[urn] = created
    return created
  }
  const coreEntry = (key: string, value: JsonValue): void => {
    const lower = key.toLowerCase()
    if (lower === 'schemas' || lower === 'meta') return
    if (lower === 'id') {
      if (targetId !== undefined && value !== targetId) throw new ScimError(400, 'mutability', 'id is read-only and cannot be changed')
      return
    }
    const def = findAttr(attributes, key)
    if (def === undefined) {
      doc[key] = value
      return
    }
    if (type.name === 'Group' && def.name === 'members') {
      members = value
      return
    }
    if (isDropped(def)) return
    const coerced = coerceValue(def, value)
    if (coerced !== undefined) doc[def.name] = coerced
  }
  for (const [key, value] of coreNamedEntries(type, body)) {
    if (!key.toLowerCase().startsWith('urn:')) {
      coreEntry(key, value)
      continue
    }
    const { urn, isCore, rest } = splitUrn(type, key)
    if (isCore) {
      coreEntry(rest, value)
    } else if (urn === undefined) {
      doc[key] = value
    } else if (rest === '') {
      Object.assign(extensionTarget(urn), normalizeExtension(type, urn, value))
    } else if (findExtension(type, urn) === undefined && isObject(value)) {
      // A whole unknown extension: kept as sent (RFC 7643 §3.3).
      doc[key] = value
    } else {
      // A flattened `urn:…:attr` key: filed under its schema.
      Object.assign(extensionTarget(urn), normalizeExtension(type, urn, { [rest]: value }))
    }
  }
  checkRequired(type, doc)
  checkDocumentValues(type, doc)
  return { doc: storedForm(type, doc), ...(members === undefined ? {} : { members }) }
}

function isMissing(value: JsonValue | undefined): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '')
}

/**
 * Required attributes (RFC 7643 `required`) must survive every write, and so must the required sub-attributes of each
 * entry of a multi-valued attribute (`emails.value`): RFC 7644 §3.12 `invalidValue`, "a required value was missing".
 * Given `before` (the stored document a PATCH started from), an attribute the write leaves as it was is not checked
 * again, so that a document stored before the rule can still be patched elsewhere (an IdP deactivating its user).
 */
export function checkRequired(type: ResourceType, doc: JsonObject, before?: JsonObject): void {
  for (const def of type.core.attributes) {
    const value = doc[def.name]
    if (def.required && isMissing(value)) throw new ScimError(400, 'invalidValue', `${def.name} is required`)
    if (!def.multiValued || !Array.isArray(value)) continue
    for (const sub of def.subAttributes ?? []) {
      if (!sub.required || !value.some((item) => !isObject(item) || isMissing(item[sub.name]))) continue
      if (before !== undefined && JSON.stringify(before[def.name]) === JSON.stringify(value)) continue
      throw new ScimError(400, 'invalidValue', `each entry of ${def.name} needs a "${sub.name}" (${def.name}.${sub.name} is required)`)
    }
  }
}

/** Member ids of a `members` value; only users can be members. */
export function memberIds(value: JsonValue | undefined): string[] {
  if (value === undefined || value === null) return []
  const items = Array.isArray(value) ? value : [value]
  return items.map((item, index) => {
    if (!isObject(item) || typeof item['value'] !== 'string' || item['value'] === '') {
      throw new ScimError(400, 'invalidValue', 'each member needs a "value" with a user id')
    }
    checkMemberId(item['value'], `members[${index}].value`)
    const memberType = item['type']
    if (typeof memberType === 'string' && memberType.toLowerCase() !== 'user') {
      throw new ScimError(400, 'invalidValue', `only users can be members (got type "${memberType}")`)
    }
    return item['value']
  })
}

function meta(resourceType: string, resource: { created: string; lastModified: string; version: number }, location: string): JsonObject {
  return { resourceType, created: resource.created, lastModified: resource.lastModified, location, version: etagOf(resource.version) }
}

export function etagOf(version: number): string {
  return `W/"${version}"`
}

function refs(items: MemberRef[], base: string, type: string): JsonObject[] {
  return items.map((item) => ({ value: item.value, ...(item.display === undefined ? {} : { display: item.display }), $ref: `${base}/${item.value}`, type }))
}

/** A stored document as returned: one stored before unassigned values were dropped on write reads as if they had been. */
function returnedForm(type: ResourceType, doc: JsonObject): JsonObject {
  const pruned = withoutUnassigned(type, doc)
  return pruned === doc ? doc : withSchemas(type, pruned)
}

export function renderUser(user: StoredUser, baseUrl: string): JsonObject {
  const { schemas, ...doc } = returnedForm(userType, user.doc)
  return {
    schemas: schemas ?? [],
    id: user.id,
    ...doc,
    // RFC 7643 §2.5: a user in no group has no `groups`, not `"groups": []`.
    ...(user.groups === undefined || user.groups.length === 0 ? {} : { groups: refs(user.groups, `${baseUrl}/Groups`, 'direct') }),
    meta: meta('User', user, `${baseUrl}/Users/${user.id}`),
  }
}

export function renderGroup(group: StoredGroup, baseUrl: string): JsonObject {
  const { schemas, ...doc } = returnedForm(groupType, group.doc)
  return {
    schemas: schemas ?? [],
    id: group.id,
    ...doc,
    // RFC 7643 §2.5: a group without members has no `members`, not `"members": []`.
    ...(group.members === undefined || group.members.length === 0 ? {} : { members: refs(group.members, `${baseUrl}/Users`, 'User') }),
    meta: meta('Group', group, `${baseUrl}/Groups/${group.id}`),
  }
}
