// What each attribute of a stored document may hold: identifiers and codes on one line, within their limits.
import { ScimError } from '../errors.js'
import type { JsonObject, JsonValue } from '../store/store.js'
import { coreAttributes, findAttr, findExtension, type AttrDef, type ResourceType } from './schemas.js'
import { checkText, valueLimits, type TextKind } from './text.js'

/**
 * The attributes whose values are free text, where TAB, LF and CR are kept: RFC 7643 §4.1.2 says `addresses.formatted`
 * "MAY contain newlines". Every other attribute the schemas define is one line: names, identifiers (`userName`,
 * `displayName`, `externalId`, every `value`, `manager.value`, `$ref`), labels and codes, none of which an IdP
 * sends with a line break, and each of which ends up in logs, plans and files where a line break or tab would
 * misplace what follows. Attributes no schema defines are kept as sent and may break lines, as free text.
 */
const freeText = new Set(['addresses.formatted'])

function isObject(value: JsonValue): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The documented limits of the identifiers (valueLimits); every other string has valueLimits.string. */
const identifierLimits = new Map<string, number>([
  ['userName', valueLimits.userName],
  ['displayName', valueLimits.displayName],
  ['externalId', valueLimits.externalId],
])

/** Checks every string in `value`, an attribute's (`def`) or, without one, one that no schema defines (free text). */
function checkSingle(def: AttrDef | undefined, value: JsonValue, where: string, path: string, limit?: number): void {
  if (typeof value === 'string') {
    const kind: TextKind = def === undefined || freeText.has(path) ? 'text' : 'line'
    checkText(value, where, kind, 'invalidValue', limit ?? valueLimits.string)
    return
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) checkSingle(def, item, `${where}[${index}]`, path)
    return
  }
  if (!isObject(value)) return
  for (const [key, item] of Object.entries(value)) {
    const sub = def?.type === 'complex' ? findAttr(def.subAttributes, key) : undefined
    checkSingle(sub, item, `${where}.${sub?.name ?? key}`, `${path}.${sub?.name ?? key}`)
  }
}

function isUnchanged(before: JsonObject | undefined, key: string, value: JsonValue): boolean {
  return before !== undefined && Object.hasOwn(before, key) && JSON.stringify(before[key]) === JSON.stringify(value)
}

/**
 * Refuses (400 `invalidValue`, naming the attribute) a document in which an attribute the schemas define holds a
 * tab or line break where it is one line, or any string is longer than its limit (valueLimits). The characters no
 * value may hold at all were refused in the request already (text.ts's refuseUnsafeStrings). Given `before` (the document a PATCH
 * started from), an attribute the write leaves as it was is not checked again: a user stored before these rules
 * can still be deactivated.
 */
export function checkDocumentValues(type: ResourceType, doc: JsonObject, before?: JsonObject): void {
  const attributes = coreAttributes(type)
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'schemas' || isUnchanged(before, key, value)) continue
    if (!key.toLowerCase().startsWith('urn:')) {
      const def = findAttr(attributes, key)
      checkSingle(def, value, def?.name ?? key, def?.name ?? key, def === undefined ? undefined : identifierLimits.get(def.name))
      continue
    }
    const extension = findExtension(type, key)
    if (extension === undefined || !isObject(value)) {
      checkSingle(undefined, value, key, key)
      continue
    }
    for (const [name, item] of Object.entries(value)) {
      const def = findAttr(extension.attributes, name)
      checkSingle(def, item, `${extension.id}:${def?.name ?? name}`, def?.name ?? name)
    }
  }
}

/** Refuses a member id (a user's `id`) that is not one clean line: 400 `invalidValue` naming `where`. */
export function checkMemberId(id: string, where: string): void {
  checkText(id, where, 'line', 'invalidValue')
}

/** `error`, when a ScimError, with where in the request it was found added to its detail (`in Operations[2]`). */
export function withContext(error: unknown, context: string): unknown {
  if (!(error instanceof ScimError)) return error
  return new ScimError(error.status, error.scimType, `${error.detail} (${context})`, error.headers)
}
