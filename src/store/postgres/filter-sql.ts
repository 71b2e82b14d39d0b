// Compiles resolved SCIM filters and sort keys to PostgreSQL WHERE / ORDER BY text with bound parameters ($n).
import { holdsForEmpty, prefixUpperBound, type AttrRef, type CompareOp, type Filter } from '../query.js'

export type ResourceTable = 'users' | 'groups'
export type SqlParam = string | number | boolean | null

/** Filters and sorts compare text in code-point order, as SCIM clients and the SQLite backend do. */
const C = 'COLLATE "C"'

/**
 * A scalar SQL expression for an attribute, and whether its text is already case-folded (a `*_key` column). A value
 * read from a document is jsonb (`json`): its JSON type decides what it can be compared with.
 */
type Scalar = { expr: string; isFolded: boolean; json?: string }

type Collection = {
  exists: (condition: string, isEmptyMatch?: boolean) => string
  element: (sub: string | undefined) => Scalar
  representative: (sub: string | undefined) => Scalar
}

/** A text[] path literal for `#>`; attribute names are limited by the parser, and quotes are escaped regardless. */
function pathLiteral(segments: string[]): string {
  return `'{${segments.map((segment) => `"${segment.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',').replaceAll("'", "''")}}'`
}

/** A jsonb node's text (for strings) or JSON text (numbers, booleans), compared in code-point order. */
function textOf(json: string): string {
  return `((${json}) #>> '{}') ${C}`
}

/** Whether a jsonb node holds a non-empty value (RFC 7643 §2.5: null, "", [] and {} are empty, and so are nodes whose leaves all are). */
function presentJson(json: string): string {
  return `coalesce(jsonb_path_exists(${json}, 'strict $.** ? (@.type() == "number" || @.type() == "boolean" || (@.type() == "string" && @ != ""))'), false)`
}

function jsonTypeOf(value: string | number | boolean): string {
  return typeof value === 'string' ? `'string'` : typeof value === 'number' ? `'number'` : `'boolean'`
}

export class PgCompiler {
  private aliases = 0

  constructor(
    private readonly table: ResourceTable,
    readonly params: SqlParam[],
  ) {}

  bind(value: SqlParam): string {
    this.params.push(value)
    return `$${this.params.length}`
  }

  private docPath(attr: AttrRef, withSub: boolean): string[] {
    const segments = attr.extension === undefined ? [attr.name] : [attr.extension, attr.name]
    if (withSub && attr.sub !== undefined) segments.push(attr.sub)
    return segments
  }

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
        return { expr: this.table === 'users' ? `('User' ${C})` : `('Group' ${C})`, isFolded: false }
      case 'meta.version':
        return { expr: `(('W/"' || r.version || '"') ${C})`, isFolded: false }
      case 'userName':
        return this.table === 'users' ? { expr: 'r.user_name_key', isFolded: true } : undefined
      case 'displayName':
        return this.table === 'groups' ? { expr: 'r.display_name_key', isFolded: true } : undefined
      default:
        return undefined
    }
  }

  scalar(attr: AttrRef): Scalar {
    return this.column(attr) ?? jsonScalar(`(r.doc::jsonb #> ${pathLiteral(this.docPath(attr, true))})`)
  }

  private holds(attr: AttrRef): string {
    if (attr.extension === undefined && attr.name === 'meta') return 'true'
    return presentJson(`(r.doc::jsonb #> ${pathLiteral(this.docPath(attr, false))})`)
  }

  collection(attr: AttrRef): Collection | undefined {
    if (!attr.multiValued) return undefined
    const alias = `e${this.aliases++}`
    if (attr.extension === undefined && this.table === 'groups' && attr.name === 'members') {
      const from = `memberships ${alias}m JOIN users ${alias} ON ${alias}.rid = ${alias}m.user_rid WHERE ${alias}m.group_rid = r.rid`
      return {
        exists: (condition) => `EXISTS (SELECT 1 FROM ${from} AND (${condition}))`,
        element: (sub) => memberElement(alias, sub, 'User'),
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
    const node = `(r.doc::jsonb #> ${pathLiteral(this.docPath(attr, false))})`
    const elements = `jsonb_array_elements(CASE WHEN jsonb_typeof(${node}) = 'array' THEN ${node} ELSE '[]'::jsonb END) WITH ORDINALITY ${alias}(value, key)`
    const element = (sub: string | undefined): Scalar => (sub === undefined ? jsonScalar(`${alias}.value`) : jsonScalar(`(${alias}.value -> ${this.bind(sub)}::text)`))
    return {
      exists: (condition, isEmptyMatch = false) => `EXISTS (SELECT 1 FROM ${elements} WHERE ${isEmptyMatch ? `${presentJson(`${alias}.value`)} AND ` : ''}(${condition}))`,
      element,
      representative: (sub) => {
        const isObject = `jsonb_typeof(${alias}.value) = 'object'`
        const value = sub === undefined ? `${alias}.value` : `CASE WHEN ${isObject} THEN ${element(sub).json} END`
        const primaryFirst = `CASE WHEN NOT ${isObject} THEN 1 WHEN ${alias}.value -> 'primary' = 'true'::jsonb THEN 0 ELSE 1 END`
        return jsonScalar(`(SELECT ${value} FROM ${elements} ORDER BY ${primaryFirst}, ${alias}.key LIMIT 1)`)
      },
    }
  }

  compare(target: Scalar, attr: AttrRef, op: CompareOp, value: string | number | boolean): string {
    if (op === 'ne') return `NOT coalesce((${this.compare(target, attr, 'eq', value)}), false)`
    const fold = typeof value === 'string' && !attr.caseExact && attr.type !== 'dateTime'
    const operand = fold ? (value as string).toLowerCase() : value
    let expr: string
    let guard = ''
    if (target.json !== undefined) {
      guard = `jsonb_typeof(${target.json}) = ${jsonTypeOf(value)} AND `
      if (typeof value === 'number') expr = `((${target.json}) #>> '{}')::numeric`
      else if (typeof value === 'boolean') expr = `((${target.json}) #>> '{}')::boolean`
      else expr = fold ? `lower(${textOf(target.json)}) ${C}` : textOf(target.json)
    } else {
      expr = fold && !target.isFolded ? `lower(${target.expr}) ${C}` : target.expr
    }
    const bound = () => (typeof operand === 'number' ? `${this.bind(operand)}::numeric` : typeof operand === 'boolean' ? `${this.bind(operand)}::boolean` : `${this.bind(operand)}::text ${C}`)
    const text = String(operand)
    switch (op) {
      case 'eq':
        return `(${guard}${expr} = ${bound()})`
      case 'gt':
        return `(${guard}${expr} > ${bound()})`
      case 'ge':
        return `(${guard}${expr} >= ${bound()})`
      case 'lt':
        return `(${guard}${expr} < ${bound()})`
      case 'le':
        return `(${guard}${expr} <= ${bound()})`
      case 'co':
        return `(${guard}strpos(${expr}, ${this.bind(text)}::text) > 0)`
      case 'sw': {
        if (target.isFolded) {
          // A range keeps the (connection, key) index usable.
          const upper = prefixUpperBound(text)
          return `(${expr} >= ${this.bind(text)}::text ${C}${upper === undefined ? '' : ` AND ${expr} < ${this.bind(upper)}::text ${C}`})`
        }
        return `(${guard}starts_with(${expr}, ${this.bind(text)}::text))`
      }
      case 'ew': {
        const suffix = this.bind(text)
        return `(${guard}right(${expr}, length(${suffix}::text)) = ${suffix}::text ${C} AND length(${expr}) >= length(${suffix}::text))`
      }
      default: {
        const never: never = op
        throw new Error(`unknown operator ${String(never)}`)
      }
    }
  }

  present(target: Scalar): string {
    if (target.json !== undefined) return presentJson(target.json)
    return `(${target.expr} IS NOT NULL AND ${target.expr} <> '')`
  }

  compile(filter: Filter, element?: Collection): string {
    switch (filter.kind) {
      case 'and':
      case 'or':
        return `(${this.compile(filter.left, element)} ${filter.kind === 'and' ? 'AND' : 'OR'} ${this.compile(filter.right, element)})`
      case 'not':
        return `NOT coalesce((${this.compile(filter.filter, element)}), false)`
      case 'valuePath': {
        const collection = this.collection(filter.attr)
        if (collection !== undefined) return collection.exists(this.compile(filter.filter, collection), holdsForEmpty(filter.filter))
        return `(${this.holds(filter.attr)} AND ${this.compile(filter.filter)})`
      }
      case 'compare':
      case 'present': {
        const attr = filter.attr
        if (filter.kind === 'compare' && filter.value === null) {
          const isPresent = this.compile({ kind: 'present', attr }, element)
          return filter.op === 'ne' ? isPresent : `NOT coalesce((${isPresent}), false)`
        }
        const test = (target: Scalar): string => (filter.kind === 'present' ? this.present(target) : this.compare(target, attr, filter.op, filter.value as string | number | boolean))
        if (element !== undefined) return test(element.element(attr.sub ?? attr.name))
        if (attr.extension === undefined && attr.name === 'meta' && attr.sub === undefined) return 'true'
        const collection = this.collection(attr)
        if (collection !== undefined) {
          if (filter.kind === 'present' && attr.sub === undefined) {
            const isMembership = attr.extension === undefined && (attr.name === 'members' || attr.name === 'groups')
            return isMembership ? collection.exists('true') : presentJson(`(r.doc::jsonb #> ${pathLiteral(this.docPath(attr, false))})`)
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

  /** The ORDER BY expression of a sort attribute (RFC 7644 §3.4.2.3), as the SQLite backend sorts. */
  sort(attr: AttrRef): string {
    const collection = this.collection(attr)
    if (collection !== undefined) {
      const isWholeComplex = attr.type === 'complex' && attr.sub === undefined
      const target = collection.representative(isWholeComplex ? 'value' : attr.sub)
      const isMembership = (this.table === 'groups' && attr.name === 'members') || (this.table === 'users' && attr.name === 'groups')
      const fold = isWholeComplex ? !isMembership : attr.type === 'string' && !attr.caseExact
      return sortKey(target, fold)
    }
    const target = this.scalar(attr)
    return sortKey(target, attr.type === 'string' && !attr.caseExact && !target.isFolded)
  }
}

/** A sort key: numbers before text as SQLite orders them would differ, so each JSON type sorts as its own value. */
function sortKey(target: Scalar, fold: boolean): string {
  if (target.json === undefined) return fold ? `lower(${target.expr}) ${C}` : target.expr
  const text = `(CASE WHEN jsonb_typeof(${target.json}) IN ('string', 'number', 'boolean') THEN ${textOf(target.json)} END)`
  return fold ? `lower(${text}) ${C}` : text
}

function jsonScalar(json: string): Scalar {
  return { expr: json, isFolded: false, json }
}

function memberElement(alias: string, sub: string | undefined, type: string): Scalar {
  switch (sub) {
    case 'display':
      return { expr: type === 'User' ? `(coalesce(${alias}.display_name, ${alias}.user_name) ${C})` : `(${alias}.display_name ${C})`, isFolded: false }
    case 'type':
      return { expr: `('${type}' ${C})`, isFolded: false }
    case '$ref':
      return { expr: 'NULL::text', isFolded: false }
    default:
      return { expr: `${alias}.id`, isFolded: false }
  }
}
