// PATCH (RFC 7644 §3.5.2) of a stored user or group: the operations applied in order, then the result checked.
import type { GroupChange, JsonObject, MemberOp, MemberRef } from '../store/store.js'
import { coreNamedEntries } from './attr-path.js'
import { DocumentPatcher } from './patch-document.js'
import { memberOps, membersPath } from './patch-members.js'
import type { PatchOperation } from './patch-request.js'
import { clone } from './patch-values.js'
import { checkRequired, isObject, storedForm } from './resource.js'
import type { ResourceType } from './schemas.js'
import { checkDocumentValues } from './values.js'

export { maxPatchOperations, parsePatchBody, type PatchOperation, type PatchOpName } from './patch-request.js'

/** The user document after `operations`; throws ScimError and changes nothing on a bad operation. */
export function patchUser(type: ResourceType, id: string, current: JsonObject, operations: PatchOperation[]): JsonObject {
  const patcher = new DocumentPatcher(type, clone(current), id)
  for (const operation of operations) {
    if (operation.path === undefined) patcher.applyWithoutPath(operation.op, operation.value)
    else patcher.applyPath(operation.op, operation.path, operation.value)
  }
  checkRequired(type, patcher.doc, current)
  checkDocumentValues(type, patcher.doc, current)
  return storedForm(type, patcher.doc)
}

/** The group's new attributes and membership changes; members are never loaded unless a filter needs their data. */
export function patchGroup(
  type: ResourceType,
  id: string,
  current: JsonObject,
  operations: PatchOperation[],
  loadMembers: () => MemberRef[],
): GroupChange {
  const patcher = new DocumentPatcher(type, clone(current), id)
  const ops: MemberOp[] = []
  for (const operation of operations) {
    if (operation.path !== undefined) {
      const members = membersPath(type, operation.path)
      if (members !== undefined) ops.push(...memberOps(operation.op, members, operation.value, loadMembers))
      else patcher.applyPath(operation.op, operation.path, operation.value)
      continue
    }
    if (!isObject(operation.value)) {
      patcher.applyWithoutPath(operation.op, operation.value)
      continue
    }
    const rest: JsonObject = {}
    // RFC 7644 §3.10: `urn:…:core:2.0:Group:members` names `members`, whose values live in the membership table.
    for (const [key, value] of coreNamedEntries(type, operation.value)) {
      if (key.toLowerCase() === 'members') ops.push(...memberOps(operation.op, undefined, value, loadMembers))
      else rest[key] = value
    }
    if (Object.keys(rest).length > 0) patcher.applyWithoutPath(operation.op, rest)
  }
  checkRequired(type, patcher.doc, current)
  checkDocumentValues(type, patcher.doc, current)
  return { doc: storedForm(type, patcher.doc), memberOps: ops }
}
