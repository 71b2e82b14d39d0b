// Compiles resolved SCIM filters and sort keys to PostgreSQL WHERE / ORDER BY text with bound parameters ($1…).
import { holdsForEmpty, prefixUpperBound, type AttrRef, type AttrType, type CompareOp, type Filter } from '../query.js'
import type { SqlParam } from './connect.js'

export type ResourceTable = 'users' | 'groups'

/** The parameters of one statement: each bound value gets the next `$n`. */
export class Params {
  readonly values: SqlParam[] = []
  bind(value: SqlParam): string {
    this.values.push(value)
    return `$${this.values.length}`
  }
}

/**
 * The document of row `r` as jsonb, for filters on attributes without a column. Statements that use it join
 * `docJoin`, which casts each row's text once; a text jsonb refuses gives NULL (see rolecall_jsonb).
 */
export const docExpr = 'd.j'
export const docJoin = `CROSS JOIN LATERAL (SELECT CASE WHEN strpos(r.doc, '\\u') = 0 THEN r.doc::jsonb ELSE rolecall_jsonb(r.doc) END AS j OFFSET 0) d`

/**
 * A scalar SQL expression: a text column (`isFolded` when it is a case-folded `*_key` column), or a jsonb value
 * read from a document, whose JSON type decides what it can be compared with.
 */
type Scalar = { kind: 'text'; expr: string; isFolded: boolean } | { kind: 'json'; expr: string }

type Collection = {
  exists: (condition: string, isEmptyMatch?: boolean) => string
  element: (sub: string | undefined) => Scalar
  /** The one element that stands for them all when sorting (RFC 7644 §3.4.2.3: the primary value, else the first). */
  representative: (sub: string | undefined, type: AttrType, fold: boolean) => string
}

/** A text[] path literal for `#>`: attribute names are limited by the parser; quotes are escaped regardless. */
function pathLiteral(segments: string[]): string {
  const inner = segments.map((segment) => `"${segment.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')
  return `'{${inner.replaceAll("'", "''")}}'`
}

const text = (expr: string, isFolded = false): Scalar => ({ kind: 'text', expr, isFolded })
const json = (expr: string): Scalar => ({ kind: 'json', expr })

/** The jsonb values a filter value can equal or be ordered against (RFC 7643 §2.3: a string is never a number). */
function jsonTypeOf(value: string | number | boolean): string {
  return typeof value === 'string' ? 'string' : typeof value === 'number' ? 'number' : 'boolean'
}

/** An ORDER BY key of `type` from a jsonb value: values of another JSON type have none (they sort last). */
function jsonSortKey(value: string, type: AttrType, fold: boolean): string {
  switch (type) {
    case 'integer':
    case 'decimal':
      return `(CASE WHEN jsonb_typeof(${value}) = 'number' THEN (${value})::numeric END)`
    case 'boolean':
      return `(CASE WHEN jsonb_typeof(${value}) = 'boolean' THEN (${value})::boolean END)`
    default: {
      const leaf = `(${value} #>> '{}')`
      return `(CASE WHEN jsonb_typeof(${value}) = 'string' THEN ${fold ? `lower(${leaf})` : leaf} END) COLLATE "C"`
    }
  }
}

/** Whether a jsonb value holds a non-empty leaf (RFC 7643 §2.5: null, "", [] and {} are empty, and so are nodes of them). */
function jsonPresent(value: string): string {
  return `COALESCE(jsonb_path_exists(${value}, 'strict $.** ? (@.type() == "number" || @.type() == "boolean" || (@.type() == "string" && @ != ""))'), false)`
}

export class Compiler {
  /** Whether the compiled text reads `docExpr` (the statement must join `docJoin`). */
  usesDoc = false
  private aliases = 0

  constructor(
    private readonly table: ResourceTable,
    readonly params: Params,
  ) {}

  private docPath(attr: AttrRef, withSub: boolean): string[] {
    const segments = attr.extension === undefined ? [attr.name] : [attr.extension, attr.name]
    if (withSub && attr.sub !== undefined) segments.push(attr.sub)
    return segments
  }

  private fromDoc(segments: string[]): Scalar {
    this.usesDoc = true
    return json(`(${docExpr} #> ${pathLiteral(segments)})`)
  }

  /** Column of the resource row for attributes the store keeps promoted. */
  private column(attr: AttrRef): Scalar | undefined {
    if (attr.extension !== undefined) return undefined
    const path = attr.sub === undefined ? attr.name : `${attr.name}.${attr.sub}`
    switch (path) {
      case 'id':
        return text('r.id')
      case 'externalId':
        return text('r.external_id')
      case 'meta.created':
        return text('r.created')
      case 'meta.lastModified':
        return text('r.last_modified')
      case 'meta.resourceType':
        return text(this.table === 'users' ? `'User'` : `'Group'`)
      case 'meta.version':
        // The ETag a read writes (resource.ts etagOf), built from the row's version.
        return text(`('W/"' || r.version || '"')`)
      case 'userName':
        return this.table === 'users' ? text('r.user_name_key', true) : undefined
      case 'displayName':
        return this.table === 'groups' ? text('r.display_name_key', true) : undefined
      default:
        return undefined
    }
  }

  /** `active` is read from the document, not its column: a user sent without `active` has none to match. */
  scalar(attr: AttrRef): Scalar {
    return this.column(attr) ?? this.fromDoc(this.docPath(attr, true))
  }

  /** Whether the resource holds a value of the single-valued `attr` (`meta` always does: it is written on read). */
  private holds(attr: AttrRef): string {
    if (attr.extension === undefined && attr.name === 'meta') return 'true'
    return this.present(this.fromDoc(this.docPath(attr, false)))
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
        representative: (sub, _type, fold) => `(SELECT ${foldText(memberElement(alias, sub, 'User').expr, fold)} FROM ${from} ORDER BY ${alias}.rid LIMIT 1)`,
      }
    }
    if (attr.extension === undefined && this.table === 'users' && attr.name === 'groups') {
      const from = `memberships ${alias}m JOIN groups ${alias} ON ${alias}.rid = ${alias}m.group_rid WHERE ${alias}m.user_rid = r.rid`
      return {
        exists: (condition) => `EXISTS (SELECT 1 FROM ${from} AND (${condition}))`,
        element: (sub) => memberElement(alias, sub, 'direct'),
        representative: (sub, _type, fold) => `(SELECT ${foldText(memberElement(alias, sub, 'direct').expr, fold)} FROM ${from} ORDER BY ${alias}.display_name_key LIMIT 1)`,
      }
    }
    const whole = this.fromDoc(this.docPath(attr, false)).expr
    // A multi-valued attribute stored as one value (never written by rolecall) is that one element.
    const elements = `jsonb_array_elements(CASE jsonb_typeof(${whole}) WHEN 'array' THEN ${whole} WHEN 'null' THEN NULL ELSE jsonb_build_array(${whole}) END) WITH ORDINALITY AS ${alias}(value, key)`
    const element = (sub: string | undefined): Scalar => (sub === undefined ? json(`${alias}.value`) : json(`(${alias}.value -> ${quoteLiteral(sub)})`))
    return {
      // An element holding only empty values ({}, {"type": ""}) is no value (RFC 7643 §2.5): only a filter that
      // an empty element satisfies needs the check.
      exists: (condition, isEmptyMatch = false) => `EXISTS (SELECT 1 FROM ${elements} WHERE ${isEmptyMatch ? `${jsonPresent(`${alias}.value`)} AND ` : ''}(${condition}))`,
      element,
      representative: (sub, type, fold) => {
        const isObject = `jsonb_typeof(${alias}.value) = 'object'`
        const value = sub === undefined ? `${alias}.value` : `(CASE WHEN ${isObject} THEN ${alias}.value -> ${quoteLiteral(sub)} END)`
        const primaryFirst = `CASE WHEN NOT ${isObject} THEN 1 WHEN ${alias}.value -> 'primary' = 'true'::jsonb THEN 0 ELSE 1 END`
        return `(SELECT ${jsonSortKey(value, type, fold)} FROM ${elements} ORDER BY ${primaryFirst}, ${alias}.key LIMIT 1)`
      },
    }
  }

  /**
   * A comparison with a value (null is handled by compile). Strings that are not caseExact compare case-folded,
   * with every operator (RFC 7644 §3.4.2.2); a value read from a document compares only with a filter value of
   * its JSON type. `ne` is the negation of `eq` for each value, so an unassigned value is "not equal".
   */
  compare(target: Scalar, attr: AttrRef, op: CompareOp, value: string | number | boolean): string {
    if (op === 'ne') return `NOT COALESCE((${this.compare(target, attr, 'eq', value)}), false)`
    // dateTimes arrive in the stored form (UTC, milliseconds, upper-case `T` and `Z`), whose text order is time order.
    const fold = typeof value === 'string' && !attr.caseExact && attr.type !== 'dateTime'
    const operand = fold ? value.toLowerCase() : value
    if (target.kind === 'text') {
      // A column holds text: a number or boolean compares as the text SQLite's affinity would make of it.
      const bound = typeof operand === 'boolean' ? (operand ? '1' : '0') : String(operand)
      return this.textCompare(fold && !target.isFolded ? `lower(${target.expr})` : target.expr, op, bound, target.isFolded)
    }
    const type = jsonTypeOf(value)
    const leaf = `(${target.expr} #>> '{}')`
    let body: string
    if (op === 'co' || op === 'sw' || op === 'ew') {
      const asText = typeof value === 'boolean' ? `(CASE WHEN (${target.expr})::boolean THEN '1' ELSE '0' END)` : fold ? `lower(${leaf})` : leaf
      const bound = typeof operand === 'boolean' ? (operand ? '1' : '0') : String(operand)
      body = this.textCompare(asText, op, bound, false)
    } else if (typeof operand === 'string') {
      body = `${fold ? `lower(${leaf})` : leaf} COLLATE "C" ${sqlOperator(op)} ${this.params.bind(operand)}::text`
    } else if (typeof operand === 'number') {
      body = `(${target.expr})::numeric ${sqlOperator(op)} ${this.params.bind(operand)}::numeric`
    } else {
      body = `(${target.expr})::boolean ${sqlOperator(op)} ${this.params.bind(operand)}::boolean`
    }
    // CASE, not AND: PostgreSQL does not promise to test the type before it casts.
    return `(CASE WHEN jsonb_typeof(${target.expr}) = '${type}' THEN ${body} END)`
  }

  private textCompare(expr: string, op: CompareOp, bound: string, isIndexed: boolean): string {
    switch (op) {
      case 'eq':
      case 'gt':
      case 'ge':
      case 'lt':
      case 'le':
        return `(${expr} ${sqlOperator(op)} ${this.params.bind(bound)}::text COLLATE "C")`
      case 'co':
        return `(strpos(${expr}, ${this.params.bind(bound)}::text) > 0)`
      case 'sw': {
        if (isIndexed) {
          // A range keeps the (connection, key) index usable.
          const upper = prefixUpperBound(bound)
          return `(${expr} >= ${this.params.bind(bound)}::text${upper === undefined ? '' : ` AND ${expr} < ${this.params.bind(upper)}::text`})`
        }
        return `starts_with(${expr}, ${this.params.bind(bound)}::text)`
      }
      case 'ew': {
        const param = this.params.bind(bound)
        return `(right(${expr}, length(${param}::text)) = ${param}::text AND length(${expr}) >= length(${param}::text))`
      }
      case 'ne':
        return `NOT COALESCE((${this.textCompare(expr, 'eq', bound, isIndexed)}), false)`
      default: {
        const never: never = op
        throw new Error(`unknown operator ${String(never)}`)
      }
    }
  }

  /** RFC 7644 §3.4.2.2 `pr`: a non-empty value, or a non-empty node for complex attributes (RFC 7643 §2.5). */
  present(target: Scalar): string {
    if (target.kind === 'json') return jsonPresent(target.expr)
    return `(${target.expr} IS NOT NULL AND ${target.expr} <> '')`
  }

  compile(filter: Filter, element?: Collection): string {
    switch (filter.kind) {
      case 'and':
      case 'or':
        return `(${this.compile(filter.left, element)} ${filter.kind === 'and' ? 'AND' : 'OR'} ${this.compile(filter.right, element)})`
      case 'not':
        return `NOT COALESCE((${this.compile(filter.filter, element)}), false)`
      case 'valuePath': {
        const collection = this.collection(filter.attr)
        if (collection !== undefined) return collection.exists(this.compile(filter.filter, collection), holdsForEmpty(filter.filter))
        // A single-valued complex attribute holds one value or none: the brackets match when it holds one and
        // that value satisfies the filter (RFC 7644 §3.4.2.2).
        return `(${this.holds(filter.attr)} AND ${this.compile(filter.filter)})`
      }
      case 'compare':
      case 'present': {
        const attr = filter.attr
        if (filter.kind === 'compare' && filter.value === null) {
          // RFC 7643 §2.5: null is "unassigned". `eq null` is `not pr` and `ne null` is `pr`.
          const isPresent = this.compile({ kind: 'present', attr }, element)
          return filter.op === 'ne' ? isPresent : `NOT COALESCE((${isPresent}), false)`
        }
        const test = (target: Scalar): string =>
          filter.kind === 'present' ? this.present(target) : this.compare(target, attr, filter.op, filter.value as string | number | boolean)
        if (element !== undefined) return test(element.element(attr.sub ?? attr.name))
        if (attr.extension === undefined && attr.name === 'meta' && attr.sub === undefined) return 'true'
        const collection = this.collection(attr)
        if (collection !== undefined) {
          if (filter.kind === 'present' && attr.sub === undefined) {
            const isMembership = attr.extension === undefined && (attr.name === 'members' || attr.name === 'groups')
            return isMembership ? collection.exists('true') : this.present(this.fromDoc(this.docPath(attr, false)))
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

function sqlOperator(op: 'eq' | 'gt' | 'ge' | 'lt' | 'le' | CompareOp): string {
  switch (op) {
    case 'eq':
      return '='
    case 'gt':
      return '>'
    case 'ge':
      return '>='
    case 'lt':
      return '<'
    case 'le':
      return '<='
    default:
      throw new Error(`no SQL operator for ${op}`)
  }
}

function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

function foldText(expr: string, fold: boolean): string {
  return `${fold ? `lower(${expr})` : expr} COLLATE "C"`
}

function memberElement(alias: string, sub: string | undefined, type: string): Scalar {
  switch (sub) {
    case 'display':
      return text(type === 'User' ? `coalesce(${alias}.display_name, ${alias}.user_name)` : `${alias}.display_name`)
    case 'type':
      return text(`'${type}'`)
    case '$ref':
      return text('NULL::text')
    default:
      return text(`${alias}.id`)
  }
}

/** `WHERE` text (without the keyword), its parameters bound into `params`, and whether it reads the document. */
export function compileFilter(table: ResourceTable, filter: Filter, params: Params): { sql: string; usesDoc: boolean } {
  const compiler = new Compiler(table, params)
  const sql = compiler.compile(filter)
  return { sql, usesDoc: compiler.usesDoc }
}

/** The kind of value a sort key is, so that keys of two tables can share one column. */
export type SortKind = 'text' | 'numeric' | 'boolean'

/**
 * `ORDER BY` expression for a sort attribute (RFC 7644 §3.4.2.3). A multi-valued attribute sorts by its primary
 * value if it has one, else by its first value; one that is complex and named without a sub-attribute, by the
 * `value` of that element. Strings that are not caseExact sort case-insensitively.
 */
export function compileSort(table: ResourceTable, attr: AttrRef, params: Params): { sql: string; usesDoc: boolean; kind: SortKind } {
  const compiler = new Compiler(table, params)
  const collection = compiler.collection(attr)
  if (collection !== undefined) {
    const isWholeComplex = attr.type === 'complex' && attr.sub === undefined
    const isMembership = (table === 'groups' && attr.name === 'members') || (table === 'users' && attr.name === 'groups')
    const fold = isWholeComplex ? !isMembership : attr.type === 'string' && !attr.caseExact
    const type: AttrType = isWholeComplex ? 'string' : attr.type
    return { sql: collection.representative(isWholeComplex ? 'value' : attr.sub, type, fold), usesDoc: compiler.usesDoc, kind: sortKindOf(isMembership ? 'string' : type) }
  }
  const target = compiler.scalar(attr)
  const fold = attr.type === 'string' && !attr.caseExact
  if (target.kind === 'text') return { sql: foldText(target.expr, fold && !target.isFolded), usesDoc: compiler.usesDoc, kind: 'text' }
  return { sql: jsonSortKey(target.expr, attr.type, fold), usesDoc: compiler.usesDoc, kind: sortKindOf(attr.type) }
}

function sortKindOf(type: AttrType): SortKind {
  return type === 'integer' || type === 'decimal' ? 'numeric' : type === 'boolean' ? 'boolean' : 'text'
}
