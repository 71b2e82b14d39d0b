// Store-neutral SCIM queries: resolved filter trees, sorting and paging that each store compiles to its own SQL.

/** SCIM attribute data types (RFC 7643 §2.3). */
export type AttrType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'binary' | 'complex'

/** An attribute path resolved against the resource schema: canonical names, type and case rules of the leaf. */
export type AttrRef = {
  /** Extension schema URN the attribute lives under, or undefined for the core schema. */
  extension?: string
  /** Canonical top-level attribute name (`emails`, `name`, `userName`). */
  name: string
  /** Canonical sub-attribute name (`value`, `givenName`), if any. */
  sub?: string
  /** Type of the leaf the path names. */
  type: AttrType
  /** Whether string comparisons on the leaf are case-sensitive (RFC 7643 §2.2 `caseExact`). */
  caseExact: boolean
  /** Whether the top-level attribute is multi-valued. */
  multiValued: boolean
}

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le'
export type FilterValue = string | number | boolean | null

/** A parsed, resolved SCIM filter (RFC 7644 §3.4.2.2). Inside `valuePath`, attribute refs name sub-attributes of `attr`. */
export type Filter =
  | { kind: 'compare'; attr: AttrRef; op: CompareOp; value: FilterValue }
  | { kind: 'present'; attr: AttrRef }
  | { kind: 'and' | 'or'; left: Filter; right: Filter }
  | { kind: 'not'; filter: Filter }
  | { kind: 'valuePath'; attr: AttrRef; filter: Filter }

/** A list request: filter, sort and 1-based page. */
export type ResourceQuery = {
  filter?: Filter
  sort?: { attr: AttrRef; descending: boolean }
  /** 1-based index of the first result (RFC 7644 §3.4.2.4). */
  startIndex: number
  /** Page size; 0 returns only the total. */
  count: number
}

/** One resource type's part of a search across types: its filter (none: every resource), and its sort key. */
export type TypeSearch = {
  filter?: Filter
  /** The sort attribute, when the type has it; a type without it sorts after those that have it. */
  sortBy?: AttrRef
}

/**
 * A search of Users and Groups together (RFC 7644 §3.4.3, at the root): a part per type searched (a type without
 * one has nothing to match), sorted and paged across both. Unsorted, users come first, each type in creation order.
 */
export type RootSearch = {
  users?: TypeSearch
  groups?: TypeSearch
  sort?: { descending: boolean }
  startIndex: number
  count: number
}

/**
 * The case-folded userName a query looks up, when it is Okta's `userName eq "…"` before every create and update
 * (case-insensitive, first page, unsorted, users without their groups): at most one user, by a unique key.
 */
export function userNameLookup(query: ResourceQuery, withGroups: boolean): string | undefined {
  const filter = query.filter
  if (withGroups || query.sort !== undefined || query.startIndex !== 1 || query.count <= 0 || filter?.kind !== 'compare' || filter.op !== 'eq') return undefined
  const { attr, value } = filter
  if (attr.extension !== undefined || attr.sub !== undefined || attr.name !== 'userName' || attr.caseExact || typeof value !== 'string') return undefined
  return value.toLowerCase()
}

/** Whether a value filter holds for an element whose sub-attributes are all unassigned (`ne`, `eq null`, `not`). */
export function holdsForEmpty(filter: Filter): boolean {
  switch (filter.kind) {
    case 'and':
      return holdsForEmpty(filter.left) && holdsForEmpty(filter.right)
    case 'or':
      return holdsForEmpty(filter.left) || holdsForEmpty(filter.right)
    case 'not':
      return !holdsForEmpty(filter.filter)
    case 'compare':
      return filter.value === null ? filter.op === 'eq' : filter.op === 'ne'
    case 'present':
    case 'valuePath':
      return false
    default: {
      const never: never = filter
      return never
    }
  }
}

/**
 * The least string above every string that starts with `prefix`, in code-point order (as UTF-8 bytes order them, and as
 * both backends compare keys); undefined when there is none (a prefix of U+10FFFF only, or empty). Appending U+10FFFF is not one:
 * `prefix` + U+10FFFF + "x" starts with the prefix and sorts above it.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = Array.from(prefix, (char) => char.codePointAt(0) ?? 0)
  while (points.length > 0 && points[points.length - 1] === 0x10ffff) points.pop()
  const last = points.pop()
  if (last === undefined) return undefined
  // Code points D800–DFFF are no characters: the one after D7FF is E000.
  points.push(last + 1 === 0xd800 ? 0xe000 : last + 1)
  return String.fromCodePoint(...points)
}
