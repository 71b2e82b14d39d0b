// PATCH operations on a group's `members` as membership changes: members live in the membership table, not the document.
import { ScimError } from '../errors.js'
import type { Filter } from '../store/query.js'
import type { JsonValue, MemberOp, MemberRef } from '../store/store.js'
import { matchesElement } from './filter/match.js'
import { parsePatchPath, type PatchPath } from './filter/parser.js'
import type { PatchOpName } from './patch-request.js'
import { memberIds } from './resource.js'
import { findExtension, type ResourceType } from './schemas.js'

/** Member ids a filter names directly (`value eq "…"` joined by `or`), or undefined if it needs member data. */
function idsNamedBy(filter: Filter): string[] | undefined {
  if (filter.kind === 'compare' && filter.op === 'eq' && filter.attr.sub === 'value' && typeof filter.value === 'string') return [filter.value]
  if (filter.kind === 'or') {
    const left = idsNamedBy(filter.left)
    const right = idsNamedBy(filter.right)
    return left === undefined || right === undefined ? undefined : [...left, ...right]
  }
  return undefined
}

/** The membership changes of one operation on `members` (`path` undefined: a path-less value's `members`). */
export function memberOps(op: PatchOpName, path: PatchPath | undefined, value: JsonValue | undefined, loadMembers: () => MemberRef[]): MemberOp[] {
  // A membership is a whole: its sub-attributes are immutable (value, type, $ref) or readOnly (display). RFC 7644
  // §3.5.2: an operation not compatible with an attribute's mutability is refused, and §3.12 names that
  // `mutability`. (`invalidPath` is for a path that is "invalid or malformed"; `members[value eq "…"].display`
  // is neither.) Without this, `remove members[…].display` would remove the member.
  const sub = path?.subAfterFilter?.subDef ?? path?.attr.subDef
  if (sub !== undefined) {
    throw new ScimError(400, 'mutability', `members.${sub.name} is ${sub.mutability}: a member is added or removed whole (e.g. remove members[value eq "…"])`)
  }
  if (path?.filter !== undefined) {
    if (op !== 'remove') throw new ScimError(400, 'mutability', `members are immutable: add or remove a member rather than ${op} it in place`)
    const named = idsNamedBy(path.filter)
    if (named !== undefined) return [{ op: 'remove', ids: named }]
    const filter = path.filter
    const ids = loadMembers()
      .filter((member) => matchesElement(filter, { value: member.value, display: member.display ?? null, type: 'User' }))
      .map((member) => member.value)
    return [{ op: 'remove', ids }]
  }
  switch (op) {
    case 'add':
      return [{ op: 'add', ids: memberIds(value) }]
    case 'replace':
      return [{ op: 'clear' }, { op: 'add', ids: memberIds(value) }]
    case 'remove':
      // Entra removes a member by naming it in `value` rather than in a path filter.
      return value === undefined || value === null ? [{ op: 'clear' }] : [{ op: 'remove', ids: memberIds(value) }]
    default: {
      const never: never = op
      return never
    }
  }
}

/** The parsed path when `text` names the group's `members` (or one of its sub-attributes or elements). */
export function membersPath(type: ResourceType, text: string): PatchPath | undefined {
  if (findExtension(type, text.trim()) !== undefined) return undefined
  const path = parsePatchPath(type, text)
  return path.attr.ref.extension === undefined && path.attr.ref.name === 'members' ? path : undefined
}
