// Compiles resolved SCIM filters and sort keys to SQLite WHERE / ORDER BY text with bound parameters.
import { holdsForEmpty, prefixUpperBound, type AttrRef, type CompareOp, type Filter } from '../query.js'
import { jsonTypesOf } from './filter-terms.js'

export type ResourceTable = 'users' | 'groups'
export type SqlParam = string | number | null

/**
 * A scalar SQL expression for an attribute, and whether its text is already case-folded (a `*_key` column). A value
 * read from a JSON document also carries the document and path it came from: its JSON type decides what it can be
 * compared with, and its presence looks at every leaf under it.
 */
type Scalar = { expr: string; isFolded: boolean; json?: { doc: string; path: string } }

/**
 * How to enumerate the elements of a multi-valued attribute, each element's sub-attribute expressions, and the
 * one element that stands for them all when sorting (RFC 7644 §3.4.2.3: the primary value, else the first).
 */
type Collection = {
  /** SQL that holds when some element satisfies `condition`; `isEmptyMatch` says whether an empty element would. */
  exists: (condition: string, isEmptyMatch?: boolean) => string
  element: (sub: string | undefined) => Scalar
  representative: (sub: string | undefined) => Scalar
}

function jsonPath(segments: string[]): string {
  return `$${segments.map((segment) => `."${segment.replaceAll('"', '\\"')}"`).join('')}`
}

/**
 * A JSON path as an SQL string literal. Paths are inlined rather than bound because an expression may appear
 * several times in one predicate; attribute names are limited to [A-Za-z0-9_:.$+-] by the parser, and quotes are
 * doubled regardless.
 */
function pathLiteral(path: string): string {
  return `'${path.replaceAll("'", "''")}'`
}

class Compiler {
  readonly params: SqlParam[] = []
  private aliases = 0

  constructor(private readonly table: ResourceTable) {}

  bind(value: SqlParam): string {
    this.params.push(value)
    return '?'
  }

  private docPath(attr: AttrRef, withSub: boolean): string[] {
    const segments = attr.extension === undefined ? [attr.name] : [attr.extension, attr.name]
    if (withSub && attr.sub !== undefined) segments.push(attr.sub)
    return segments
  }

  /** Column of the resource row for attributes the store keeps promoted. */
  private column(attr: AttrRef): Scalar | undefined {
    if (attr.extension !== undefined) return undefined
    const path = attr.sub === undefined ? attr.name : `${attr.name}.${attr.sub}`
    switch (path) {
      case 'id':
        return { expr: 'r.id', isFolded: false }
      case 'externalId':
        return { expr: 'r.external_id', isFolded: false }
      case 'meta.created':
        return { expr: 'r.created', isFolded: false }
      case 'meta.lastModified':
        return { expr: 'r.last_modified', isFolded: false }
      case 'meta.resourceType':
        return { expr: this.table === 'users' ? `'User'` : `'Group'`, isFolded: false }
      case 'meta.version':
        // The ETag a read writes (resource.ts etagOf), built from the row's version.
        return { expr: `('W/"' || r.version || '"')`, isFolded: false }
      case 'userName':
        return this.table === 'users' ? { expr: 'r.user_name_key', isFolded: true } : undefined
      case 'displayName':
        return this.table === 'groups' ? { expr: 'r.display_name_key', isFolded: true } : undefined
      default:
        return undefined
    }
  }

  /**
   * `active` is read from the document, not its column: the column holds 1 for a user sent without `active`, whom
   * the store treats as active, but whose resource has no `active` to match `active eq true` or `active pr`.
   */
  scalar(attr: AttrRef): Scalar {
    return this.column(attr) ?? jsonScalar('r.doc', pathLiteral(jsonPath(this.docPath(attr, true))))
  }

  /** Whether the resource holds a value of the single-valued `attr` (`meta` always does: it is written on read). */
  private holds(attr: AttrRef): string {
    if (attr.extension === undefined && attr.name === 'meta') return '1'
    return this.present(jsonScalar('r.doc', pathLiteral(jsonPath(this.docPath(attr, false)))))
  }

  /** Multi-valued attributes: JSON arrays in the document, or the membership table for members/groups. */
  collection(attr: AttrRef): Collection | undefined {
    if (!attr.multiValued) return undefined
    const alias = `e${this.aliases++}`
    if (attr.extension === undefined && this.table === 'groups' && attr.name === 'members') {
      const from = `memberships ${alias}m JOIN users ${alias} ON ${alias}.rid = ${alias}m.user_rid WHERE ${alias}m.group_rid = r.rid`
      return {
        exists: (condition) => `EXISTS (SELECT 1 FROM ${from} AND (${condition}))`,
        element: (sub) => memberElement(alias, sub, 'User'),
        // Members have no primary: the first in the order reads list them (by user rid).
        representative: (sub) => ({ expr: `(SELECT ${memberElement(alias, sub, 'User').expr} FROM ${from} ORDER BY ${alias}.rid LIMIT 1)`, isFolded: false }),
      }
    }
    if (attr.extension === undefined && this.table === 'users' && attr.name === 'groups') {
      const from = `memberships ${alias}m JOIN groups ${alias} ON ${alias}.rid = ${alias}m.group_rid WHERE ${alias}m.user_rid = r.rid`
      return {
        exists: (condition) => `EXISTS (SELECT 1 FROM ${from} AND (${condition}))`,
        element: (sub) => memberElement(alias, sub, 'direct'),
        representative: (sub) => ({ expr: `(SELECT ${memberElement(alias, sub, 'direct').expr} FROM ${from} ORDER BY ${alias}.display_name_key LIMIT 1)`, isFolded: false }),
      }
    }
    const path = pathLiteral(jsonPath(this.docPath(attr, false)))
    const element = (sub: string | undefined): Scalar =>
      sub === undefined ? { expr: `${alias}.value`, isFolded: false } : jsonScalar(`${alias}.value`, pathLiteral(jsonPath([sub])))
    return {
      // An element holding only empty values ({}, {"type": ""}) is no value (RFC 7643 §2.5), as a single-valued
      // complex attribute holding one is none: only a filter that an empty element satisfies needs the check.
      exists: (condition, isEmptyMatch = false) =>
        `EXISTS (SELECT 1 FROM json_each(r.doc, ${path}) ${alias} WHERE ${isEmptyMatch ? `${this.present(jsonScalar(`${alias}.value`, `'$'`))} AND ` : ''}${condition})`,
      element,
      representative: (sub) => {
        // Elements that are not objects (never written by rolecall, but JSON allows them) have no sub-attributes
        // and are never primary; json_extract would fail on their text.
        const isObject = `${alias}.type = 'object'`
        const value = sub === undefined ? element(sub).expr : `CASE WHEN ${isObject} THEN ${element(sub).expr} END`
        // CASE, not AND: SQLite documents the order in which CASE tries its branches, not whether AND short-circuits.
        const primaryFirst = `CASE WHEN NOT ${isObject} THEN 1 WHEN json_type(${alias}.value, '$.primary') = 'true' THEN 0 ELSE 1 END`
        return { expr: `(SELECT ${value} FROM json_each(r.doc, ${path}) ${alias} ORDER BY ${primaryFirst}, ${alias}.key LIMIT 1)`, isFolded: false }
      },
    }
  }

  /**
   * A comparison with a value (null is handled by compile). Strings that are not caseExact compare case-folded, with
   * every operator (RFC 7644 §3.4.2.2); a value read from a document compares only with a filter value of its JSON
   * type, as SQLite would otherwise order every text above every number and find filter text in a complex value's
   * JSON. `ne` is the negation of `eq` for each value, so an unassigned value is "not equal".
   */
  compare(target: Scalar, attr: AttrRef, op: CompareOp, value: string | number | boolean): string {
    if (op === 'ne') return `NOT COALESCE((${this.compare(target, attr, 'eq', value)}), 0)`
    const guard = target.json === undefined ? '' : `json_type(${target.json.doc}, ${target.json.path}) IN ${jsonTypesOf(value)} AND `
    const bound = typeof value === 'boolean' ? (value ? 1 : 0) : value
    // dateTimes arrive in the stored form (UTC, milliseconds, upper-case `T` and `Z`), whose text order is time
    // order (RFC 7644 §3.4.2.2); folding one side only would break that.
    const fold = typeof bound === 'string' && !attr.caseExact && attr.type !== 'dateTime'
    const expr = fold && !target.isFolded ? `lc(${target.expr})` : target.expr
    const operand = fold ? bound.toLowerCase() : bound
    const text = String(operand)
    switch (op) {
      case 'eq':
        return `(${guard}${expr} = ${this.bind(operand)})`
      case 'gt':
        return `(${guard}${expr} > ${this.bind(operand)})`
      case 'ge':
        return `(${guard}${expr} >= ${this.bind(operand)})`
      case 'lt':
        return `(${guard}${expr} < ${this.bind(operand)})`
      case 'le':
        return `(${guard}${expr} <= ${this.bind(operand)})`
      case 'co':
        return `(${guard}instr(${expr}, ${this.bind(text)}) > 0)`
      case 'sw': {
        if (target.isFolded) {
          // A range keeps the (connection, key) index usable.
          const upper = prefixUpperBound(text)
          return `(${expr} >= ${this.bind(text)}${upper === undefined ? '' : ` AND ${expr} < ${this.bind(upper)}`})`
        }
        return `(${guard}substr(${expr}, 1, length(${this.bind(text)})) = ${this.bind(text)})`
      }
      case 'ew':
        // substr(x, 1 + length(x) - length(v)): the last length(v) characters, and '' for an empty v (a start of
        // 0 or below would count from the front instead).
        return `(${guard}length(${expr}) >= length(${this.bind(text)}) AND substr(${expr}, 1 + length(${expr}) - length(${this.bind(text)})) = ${this.bind(text)})`
      default: {
        const never: never = op
        throw new Error(`unknown operator ${String(never)}`)
      }
    }
  }

  /**
   * RFC 7644 §3.4.2.2 `pr`: "a non-empty value, or ... a non-empty node for complex attributes". Null, "", [] and
   * {} are empty (RFC 7643 §2.5), and so is a node whose leaves all are; the string "[]" is a value like any other.
   */
  present(target: Scalar): string {
    if (target.json !== undefined) {
      return `EXISTS (SELECT 1 FROM json_tree(${target.json.doc}, ${target.json.path}) t WHERE t.atom IS NOT NULL AND t.atom IS NOT '')`
    }
    return `(${target.expr} IS NOT NULL AND ${target.expr} IS NOT '')`
  }

  compile(filter: Filter, element?: Collection): string {
    switch (filter.kind) {
      case 'and':
      case 'or':
        return `(${this.compile(filter.left, element)} ${filter.kind === 'and' ? 'AND' : 'OR'} ${this.compile(filter.right, element)})`
      case 'not':
        return `NOT COALESCE((${this.compile(filter.filter, element)}), 0)`
      case 'valuePath': {
        const collection = this.collection(filter.attr)
        if (collection !== undefined) return collection.exists(this.compile(filter.filter, collection), holdsForEmpty(filter.filter))
        // RFC 7644 §3.4.2.2 applies a value filter to "the same value" of the attribute before the bracket. A
        // single-valued complex attribute (`name`, the enterprise `manager`) holds one value or none: the brackets
        // match when it holds one and that value satisfies the filter, so `name[not (givenName pr)]` needs a name.
        return `(${this.holds(filter.attr)} AND ${this.compile(filter.filter)})`
      }
      case 'compare':
      case 'present': {
        const attr = filter.attr
        if (filter.kind === 'compare' && filter.value === null) {
          // RFC 7643 §2.5: null is "unassigned". `eq null` is `not pr` and `ne null` is `pr`, for each attribute
          // as a whole: `emails.value eq null` holds for a user without emails.
          const isPresent = this.compile({ kind: 'present', attr }, element)
          return filter.op === 'ne' ? isPresent : `NOT COALESCE((${isPresent}), 0)`
        }
        const test = (target: Scalar): string =>
          filter.kind === 'present' ? this.present(target) : this.compare(target, attr, filter.op, filter.value as string | number | boolean)
        if (element !== undefined) return test(element.element(attr.sub ?? attr.name))
        if (attr.extension === undefined && attr.name === 'meta' && attr.sub === undefined) return '1'
        const collection = this.collection(attr)
        if (collection !== undefined) {
          if (filter.kind === 'present' && attr.sub === undefined) {
            const isMembership = attr.extension === undefined && (attr.name === 'members' || attr.name === 'groups')
            return isMembership ? collection.exists('1') : this.present(jsonScalar('r.doc', pathLiteral(jsonPath(this.docPath(attr, false)))))
          }
          return collection.exists(test(collection.element(attr.sub)), holdsForEmpty(filter))
        }
        return test(this.scalar(attr))
      }
      default: {
        const never: never = filter
        throw new Error(`unknown filter ${JSON.stringify(never)}`)
      }
    }
  }
}

/** A value read from the JSON text `doc` at `path` (an SQL string literal). */
function jsonScalar(doc: string, path: string): Scalar {
  return { expr: `json_extract(${doc}, ${path})`, isFolded: false, json: { doc, path } }
}

function memberElement(alias: string, sub: string | undefined, type: string): Scalar {
  switch (sub) {
    case 'display':
      return { expr: type === 'User' ? `coalesce(${alias}.display_name, ${alias}.user_name)` : `${alias}.display_name`, isFolded: false }
    case 'type':
      return { expr: `'${type}'`, isFolded: false }
    case '$ref':
      return { expr: 'NULL', isFolded: false }
    default:
      return { expr: `${alias}.id`, isFolded: false }
  }
}

/** `WHERE` text (without the keyword) and its parameters, in order. */
export function compileFilter(table: ResourceTable, filter: Filter): { sql: string; params: SqlParam[] } {
  const compiler = new Compiler(table)
  const sql = compiler.compile(filter)
  return { sql, params: compiler.params }
}

/**
 * `ORDER BY` expression for a sort attribute (RFC 7644 §3.4.2.3). A multi-valued attribute sorts by its primary
 * value if it has one, else by its first value; one that is complex and named without a sub-attribute, by the
 * `value` of that element (as filters compare it, §3.4.2.2). Strings that are not caseExact sort case-insensitively.
 */
export function compileSort(table: ResourceTable, attr: AttrRef): { sql: string; params: SqlParam[] } {
  const compiler = new Compiler(table)
  const collection = compiler.collection(attr)
  if (collection !== undefined) {
    const isWholeComplex = attr.type === 'complex' && attr.sub === undefined
    const target = collection.representative(isWholeComplex ? 'value' : attr.sub)
    // Named without a sub-attribute, the ref carries no case rule for `value`. The schemas' multi-valued `value`s
    // are all caseExact false, but for the ids of members and groups.
    const isMembership = (table === 'groups' && attr.name === 'members') || (table === 'users' && attr.name === 'groups')
    const fold = isWholeComplex ? !isMembership : attr.type === 'string' && !attr.caseExact
    return { sql: fold ? `lc(${target.expr})` : target.expr, params: compiler.params }
  }
  const target = compiler.scalar(attr)
  const sql = attr.type === 'string' && !attr.caseExact && !target.isFolded ? `lc(${target.expr})` : target.expr
  return { sql, params: compiler.params }
}
