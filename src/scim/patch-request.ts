// PatchOp request bodies (RFC 7644 §3.5.2) as a list of operations, with Entra's capitalised op names read as sent.
import { ScimError } from '../errors.js'
import type { JsonObject, JsonValue } from '../store/store.js'
import { refuseProtoKeys } from './own-keys.js'
import { refuseUnsafeStrings } from './text.js'
import { withContext } from './values.js'
import { isObject } from './resource.js'
import { patchOpSchema } from './schemas.js'

export type PatchOpName = 'add' | 'remove' | 'replace'
export type PatchOperation = { op: PatchOpName; path?: string; value?: JsonValue }

/** Bound on operations per request. */
export const maxPatchOperations = 1000

/**
 * Validates a PatchOp body. Entra capitalises op names ("Replace"): ops are case-insensitive. A key named
 * `__proto__` anywhere in it, values included, is refused (see refuseProtoKeys).
 */
export function parsePatchBody(body: JsonObject): PatchOperation[] {
  refuseProtoKeys(body)
  const schemas = body['schemas']
  if (Array.isArray(schemas) && !schemas.some((schema) => typeof schema === 'string' && schema.toLowerCase() === patchOpSchema.toLowerCase())) {
    throw new ScimError(400, 'invalidSyntax', `a PATCH body must use the ${patchOpSchema} schema`)
  }
  const key = Object.keys(body).find((candidate) => candidate.toLowerCase() === 'operations')
  const operations = key === undefined ? undefined : body[key]
  if (!Array.isArray(operations) || operations.length === 0) throw new ScimError(400, 'invalidSyntax', 'a PATCH body needs a non-empty "Operations" array')
  if (operations.length > maxPatchOperations) throw new ScimError(400, 'tooMany', `at most ${maxPatchOperations} operations per PATCH`)
  return operations.map((operation, index) => {
    if (!isObject(operation)) throw new ScimError(400, 'invalidSyntax', 'each operation must be an object')
    const fields = Object.fromEntries(Object.entries(operation).map(([name, value]) => [name.toLowerCase(), value]))
    const op = typeof fields['op'] === 'string' ? fields['op'].toLowerCase() : undefined
    if (op !== 'add' && op !== 'remove' && op !== 'replace') throw new ScimError(400, 'invalidSyntax', `unknown PATCH op "${String(fields['op'])}"`)
    const path = fields['path']
    if (path !== undefined && path !== null && typeof path !== 'string') throw new ScimError(400, 'invalidPath', 'path must be a string')
    const result: PatchOperation = { op }
    if (typeof path === 'string' && path.trim() !== '') result.path = path
    if (fields['value'] !== undefined) result.value = fields['value']
    if (op !== 'remove' && result.value === undefined) throw new ScimError(400, 'invalidValue', `"${op}" needs a value`)
    try {
      // Named as the attribute it writes: the path, then the value's own names (a path-less value's are attributes).
      refuseUnsafeStrings(result.value, result.path ?? '')
    } catch (error) {
      throw withContext(error, `in Operations[${index}]`)
    }
    return result
  })
}
