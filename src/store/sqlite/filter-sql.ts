// Compiles resolved SCIM filters and sort keys to SQLite WHERE / ORDER BY text with bound parameters.
import type { AttrRef, CompareOp, Filter, FilterValue } from '../query.js'

export type ResourceTable = 'users' | 'groups'
export type SqlParam = string | number | null

/** A scalar SQL expression for an attribute, and whether its text is already case-folded (a `*_key` column). */
type Scalar = { expr: string; isFolded: boolean }

/**
 * How to enumerate the elements of a multi-valued attribute, each element's sub-attribute expressions, and the
 * one element that stands for them all when sorting (RFC 7644 §3.4.2.3: the primary value, else the first).
 */
type Collection = {
  exists: (condition: string) => string
  element: (sub: string | undefined) => Scalar
  representative: (sub: string | undefined) => Scalar
}

/** Upper bound for `sw` ranges on key columns: no valid string continues past U+10FFFF. */
const maxChar = '\u{10FFFF}'

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
      case 'userName':
        return this.table === 'users' ? { expr: 'r.user_name_key', isFolded: true } : undefined
      case 'active':
        return this.table === 'users' ? { expr: 'r.active', isFolded: false } : undefined
      case 'displayName':
        return this.table === 'groups' ? { expr: 'r.display_name_key', isFolded: true } : undefined
      default:
        return undefined
    }
  }

  scalar(attr: AttrRef): Scalar {
    return this.column(attr) ?? { expr: `json_extract(r.doc, ${pathLiteral(jsonPath(this.docPath(attr, true)))})`, isFolded: false }
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
      sub === undefined
        ? { expr: `${alias}.value`, isFolded: false }
        : { expr: `json_extract(${alias}.value, ${pathLiteral(jsonPath([sub]))})`, isFolded: false }
    return {
      exists: (condition) => `EXISTS (SELECT 1 FROM json_each(r.doc, ${path}) ${alias} WHERE ${condition})`,
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

  compare(target: Scalar, attr: AttrRef, op: CompareOp, value: FilterValue): string {
    if (value === null) {
      // `eq null` means "not present" (RFC 7644 §3.4.2.2 treats null as unassigned).
      return op === 'ne' ? `${target.expr} IS NOT NULL` : `${target.expr} IS NULL`
    }
    if (typeof value === 'boolean') value = value ? 1 : 0
    const isText = typeof value === 'string'
    // dateTimes arrive in the stored form (UTC, milliseconds, upper-case `T` and `Z`), whose text order is time
    // order (RFC 7644 §3.4.2.2); folding one side only would break that.
    const fold = isText && !attr.caseExact && attr.type !== 'dateTime'
    const expr = fold && !target.isFolded ? `lc(${target.expr})` : target.expr
    const operand = fold ? (value as string).toLowerCase() : value
    switch (op) {
      case 'eq':
        return `${expr} = ${this.bind(operand)}`
      case 'ne':
        return `(${target.expr} IS NULL OR ${expr} != ${this.bind(operand)})`
      case 'gt':
        return `${expr} > ${this.bind(operand)}`
      case 'ge':
        return `${expr} >= ${this.bind(operand)}`
      case 'lt':
        return `${expr} < ${this.bind(operand)}`
      case 'le':
        return `${expr} <= ${this.bind(operand)}`
      case 'co':
        return `instr(${expr}, ${this.bind(String(operand))}) > 0`
      case 'sw':
        if (target.isFolded) {
          // A range keeps the (connection, key) index usable.
          return `(${expr} >= ${this.bind(String(operand))} AND ${expr} < ${this.bind(`${String(operand)}${maxChar}`)})`
        }
        return `substr(${expr}, 1, length(${this.bind(String(operand))})) = ${this.bind(String(operand))}`
      case 'ew':
        return `(length(${expr}) >= length(${this.bind(String(operand))}) AND substr(${expr}, -length(${this.bind(String(operand))})) = ${this.bind(String(operand))})`
      default: {
        const never: never = op
        throw new Error(`unknown operator ${String(never)}`)
      }
    }
  }

  present(target: Scalar): string {
    return `(${target.expr} IS NOT NULL AND ${target.expr} != '' AND ${target.expr} != '[]' AND ${target.expr} != '{}')`
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
        if (collection === undefined) return this.compile(filter.filter)
        return collection.exists(this.compile(filter.filter, collection))
      }
      case 'compare':
      case 'present': {
        const attr = filter.attr
        if (element !== undefined) {
          const target = element.element(attr.sub ?? attr.name)
          return filter.kind === 'present' ? this.present(target) : this.compare(target, attr, filter.op, filter.value)
        }
        const collection = this.collection(attr)
        if (collection !== undefined) {
          if (filter.kind === 'present' && attr.sub === undefined) return collection.exists('1')
          const target = collection.element(attr.sub)
          return collection.exists(filter.kind === 'present' ? this.present(target) : this.compare(target, attr, filter.op, filter.value))
        }
        const target = this.scalar(attr)
        return filter.kind === 'present' ? this.present(target) : this.compare(target, attr, filter.op, filter.value)
      }
      default: {
        const never: never = filter
        throw new Error(`unknown filter ${JSON.stringify(never)}`)
      }
    }
  }
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
