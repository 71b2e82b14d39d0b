// Recursive-descent parser for SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2), resolving attributes as it goes.
import { ScimError, type ScimErrorType } from '../../errors.js'
import type { AttrRef, CompareOp, Filter, FilterValue } from '../../store/query.js'
import { resolvePath, resolveSubPath, type ResolvedAttr } from '../attr-path.js'
import { standInValue, type ResourceType } from '../schemas.js'
import { checkText } from '../text.js'
import { parseDateTime } from './date-time.js'

/**
 * Bounds on what one filter may cost (advertised nowhere in SCIM, enforced here): its length in UTF-16 code units,
 * its terms and operators, and how deeply `not`, parentheses and brackets nest. Past any of them the filter is a 400
 * `invalidFilter` that names the bound, before any SQL is built; recursion in the parser is bounded by maxDepth.
 */
export const filterLimits = { maxLength: 4096, maxNodes: 64, maxDepth: 16 }

type Token =
  | { kind: '(' | ')' | '[' | ']'; at: number; end: number }
  | { kind: 'string'; value: string; at: number; end: number }
  | { kind: 'word'; value: string; at: number; end: number }

const compareOps = new Set<string>(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'])
const numberPattern = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/
const wordPattern = /[A-Za-z0-9_:.$+-]+/y

function tokenize(text: string, start: number, scimType: ScimErrorType): Token[] {
  const tokens: Token[] = []
  let i = start
  while (i < text.length) {
    const char = text[i] ?? ''
    if (char === ' ' || char === '\t' || char === '\n' || char === '\r') {
      i++
    } else if (char === '(' || char === ')' || char === '[' || char === ']') {
      tokens.push({ kind: char, at: i, end: i + 1 })
      i++
    } else if (char === '"') {
      let j = i + 1
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1
      if (j >= text.length) throw new ScimError(400, scimType, `unterminated string at ${i + 1}`)
      let value: unknown
      try {
        value = JSON.parse(text.slice(i, j + 1))
      } catch {
        throw new ScimError(400, scimType, `bad string at ${i + 1}`)
      }
      // An escape (`\u0000`, a lone `\ud800`) spells what no stored value holds: refused, not compared. SQLite would
      // bind a lone surrogate as U+FFFD and match a value nobody sent.
      if (typeof value !== 'string') throw new ScimError(400, scimType, `bad string at ${i + 1}: not valid Unicode`)
      checkText(value, `the string at ${i + 1}`, 'text', scimType)
      tokens.push({ kind: 'string', value, at: i, end: j + 1 })
      i = j + 1
    } else {
      wordPattern.lastIndex = i
      const match = wordPattern.exec(text)
      if (match === null) throw new ScimError(400, scimType, `unexpected ${JSON.stringify(String.fromCodePoint(text.codePointAt(i) ?? 0))} at ${i + 1}`)
      tokens.push({ kind: 'word', value: match[0], at: i, end: i + match[0].length })
      i += match[0].length
    }
  }
  return tokens
}

/** `meta.location`, `members.$ref`, `groups.$ref`: the URLs a read writes from its own base URL. */
function isAddressed(ref: AttrRef): boolean {
  return (ref.name === 'meta' && ref.sub === 'location') || ((ref.name === 'members' || ref.name === 'groups') && ref.sub === '$ref')
}

class Parser {
  private position = 0
  private nodes = 0

  constructor(
    private readonly tokens: Token[],
    private readonly type: ResourceType,
    private readonly scimType: ScimErrorType,
  ) {}

  private fail(message: string): never {
    throw new ScimError(400, this.scimType, message)
  }

  peek(): Token | undefined {
    return this.tokens[this.position]
  }

  private next(): Token {
    const token = this.tokens[this.position++]
    if (token === undefined) this.fail('unexpected end of filter')
    return token
  }

  private isKeyword(token: Token | undefined, word: string): boolean {
    return token?.kind === 'word' && token.value.toLowerCase() === word
  }

  private count(depth: number): void {
    if (++this.nodes > filterLimits.maxNodes) this.fail(`filter is too complex (more than ${filterLimits.maxNodes} terms)`)
    if (depth > filterLimits.maxDepth) this.fail(`filter is nested too deeply (more than ${filterLimits.maxDepth} levels)`)
  }

  /** filter := and ("or" and)* */
  parseFilter(depth: number, parent?: ResolvedAttr): Filter {
    let left = this.parseAnd(depth, parent)
    while (this.isKeyword(this.peek(), 'or')) {
      this.position++
      this.count(depth)
      left = { kind: 'or', left, right: this.parseAnd(depth, parent) }
    }
    return left
  }

  private parseAnd(depth: number, parent?: ResolvedAttr): Filter {
    let left = this.parseUnary(depth, parent)
    while (this.isKeyword(this.peek(), 'and')) {
      this.position++
      this.count(depth)
      left = { kind: 'and', left, right: this.parseUnary(depth, parent) }
    }
    return left
  }

  private parseUnary(depth: number, parent?: ResolvedAttr): Filter {
    this.count(depth)
    const token = this.next()
    if (this.isKeyword(token, 'not')) {
      return { kind: 'not', filter: this.parseUnary(depth + 1, parent) }
    }
    if (token.kind === '(') {
      const inner = this.parseFilter(depth + 1, parent)
      if (this.next().kind !== ')') this.fail(`expected ")" at ${token.at + 1}`)
      return inner
    }
    if (token.kind !== 'word') this.fail(`expected an attribute at ${token.at + 1}`)
    const attr = parent === undefined ? resolvePath(this.type, token.value, this.scimType) : resolveSubPath(parent, token.value, this.scimType)
    const following = this.next()
    if (following.kind === '[') {
      if (parent !== undefined) this.fail('value filters cannot nest')
      if (attr.def?.type !== 'complex' || attr.ref.sub !== undefined) this.fail(`"${token.value}" has no sub-attributes to filter on`)
      const inner = this.parseFilter(depth + 1, attr)
      const close = this.next()
      if (close.kind !== ']') this.fail(`expected "]" after the value filter of "${token.value}"`)
      const sub = this.peek()
      if (sub?.kind !== 'word' || !sub.value.startsWith('.')) return { kind: 'valuePath', attr: attr.ref, filter: inner }
      // Entra looks users up with `emails[type eq "work"].value eq "…"`: the PATCH path form (RFC 7644 §3.5.2,
      // `valuePath [subAttr]`) followed by an operator. The same value must satisfy the brackets and the comparison
      // (§3.4.2.2: "applied to the same value"), so it is that value filter with the comparison and-ed in.
      if (sub.at !== close.end) this.fail(`unexpected space before "${sub.value}" at ${close.end + 1}: a sub-attribute follows "]" directly`)
      this.position++
      this.count(depth + 1)
      const subAttr = resolveSubPath(attr, sub.value.slice(1), this.scimType)
      return { kind: 'valuePath', attr: attr.ref, filter: { kind: 'and', left: inner, right: this.operation(subAttr, `${token.value}[…]${sub.value}`) } }
    }
    this.position--
    return this.operation(attr, token.value)
  }

  /** `pr`, or a comparison operator and its value, after the attribute `attr` (named `name` in the filter). */
  private operation(attr: ResolvedAttr, name: string): Filter {
    const following = this.peek()
    if (following === undefined) this.fail(`expected an operator after "${name}", at the end of the filter`)
    this.position++
    if (following.kind !== 'word') this.fail(`expected an operator after "${name}" at ${following.at + 1}`)
    const op = following.value.toLowerCase()
    const ref = attr.ref
    if (this.scimType === 'invalidFilter' && ref.extension === undefined && isAddressed(ref)) {
      // Written from the URL the client used (resource.ts), never stored: no store can compare them.
      this.fail(`"${ref.name}.${ref.sub ?? ''}" cannot be filtered on: it is built from the request URL; filter on ${ref.name === 'meta' ? 'id' : `${ref.name}.value`} instead`)
    }
    if (op === 'pr') return { kind: 'present', attr: attr.ref }
    if (!compareOps.has(op)) this.fail(`unknown operator "${following.value}" at ${following.at + 1}`)
    return this.comparison(attr, op as CompareOp, this.value())
  }

  private value(): FilterValue {
    const token = this.next()
    if (token.kind === 'string') return token.value
    if (token.kind !== 'word') this.fail(`expected a value at ${token.at + 1}`)
    const lower = token.value.toLowerCase()
    if (lower === 'true') return true
    if (lower === 'false') return false
    if (lower === 'null') return null
    if (numberPattern.test(token.value)) return Number(token.value)
    this.fail(`"${token.value}" is not a value: quote strings`)
  }

  private comparison(attr: ResolvedAttr, op: CompareOp, value: FilterValue): Filter {
    let ref = attr.ref
    let leaf = attr.subDef ?? attr.def
    if (ref.type === 'complex' && ref.sub === undefined) {
      // RFC 7644 §3.4.2.2: a multi-valued complex attribute without a sub-attribute compares its `value`.
      const valueDef = attr.def === undefined ? undefined : standInValue(attr.def)
      if (valueDef === undefined) this.fail(`"${ref.name}" is complex: name a sub-attribute`)
      ref = { ...ref, sub: 'value', type: valueDef.type, caseExact: valueDef.caseExact }
      leaf = valueDef
    }
    // RFC 7643 §2.5: null is "unassigned", which is equal or not, never greater or less.
    if (value === null && op !== 'eq' && op !== 'ne') this.fail(`"${op}" cannot compare with null: use eq null, ne null or pr`)
    if (ref.type === 'boolean') {
      if (op !== 'eq' && op !== 'ne') this.fail(`"${op}" cannot compare the boolean "${ref.name}"`)
      // Entra sends booleans as "True"/"False" strings.
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) value = value.toLowerCase() === 'true'
      if (typeof value !== 'boolean' && value !== null) this.fail(`"${ref.name}" is a boolean`)
    }
    if (ref.type === 'binary' && op !== 'eq' && op !== 'ne') this.fail(`"${op}" cannot compare the binary "${ref.name}"`)
    if (ref.type === 'dateTime') return this.dateTimeComparison(ref, op, value)
    if ((op === 'co' || op === 'sw' || op === 'ew') && typeof value !== 'string') this.fail(`"${op}" needs a string`)
    if (typeof value === 'boolean' && op !== 'eq' && op !== 'ne') this.fail(`"${op}" cannot compare with a boolean: true and false are not ordered`)
    if (leaf !== undefined && (leaf.type === 'string' || leaf.type === 'reference') && (typeof value === 'number' || typeof value === 'boolean')) {
      // A write stores a number or boolean sent for a string attribute as its text (resource.ts): compare that text.
      value = String(value)
    }
    return { kind: 'compare', attr: ref, op, value }
  }

  /**
   * RFC 7644 §3.4.2.2: dateTime attributes compare chronologically. The value, in any xsd:dateTime form
   * (RFC 7643 §2.3.5: offsets, no fraction), is rewritten to the stored form (UTC, milliseconds), in which text
   * order is time order; so is every stored dateTime (meta columns, and documents through resource.ts).
   */
  private dateTimeComparison(ref: AttrRef, op: CompareOp, value: FilterValue): Filter {
    const name = ref.sub === undefined ? ref.name : `${ref.name}.${ref.sub}`
    if (op === 'co' || op === 'sw' || op === 'ew') this.fail(`"${op}" compares strings, and "${name}" is a dateTime: use eq, ne, gt, ge, lt or le`)
    if (value === null) return { kind: 'compare', attr: ref, op, value }
    const parsed = typeof value === 'string' ? parseDateTime(value) : undefined
    if (parsed === undefined) this.fail(`"${name}" is a dateTime: ${JSON.stringify(value)} is not one (e.g. "2026-11-23T17:23:16Z")`)
    const compare = (stored: CompareOp): Filter => ({ kind: 'compare', attr: ref, op: stored, value: parsed.text })
    if (!parsed.hasSubMillisecond) return compare(op)
    // Stored values hold whole milliseconds and the value lies strictly between its millisecond floor t and
    // t + 1 ms: nothing stored equals it, `> v` is `> t`, and `< v` is `<= t`.
    const never: Filter = { kind: 'and', left: compare('gt'), right: compare('le') }
    switch (op) {
      case 'gt':
      case 'ge':
        return compare('gt')
      case 'lt':
      case 'le':
        return compare('le')
      case 'eq':
        return never
      case 'ne':
        return { kind: 'not', filter: never }
      default: {
        const unreachable: never = op
        return unreachable
      }
    }
  }

  expectEnd(): void {
    const token = this.peek()
    if (token !== undefined) this.fail(`unexpected "${token.kind === 'word' || token.kind === 'string' ? token.value : token.kind}" at ${token.at + 1}`)
  }
}

/** Parses a `filter` query parameter; bad filters are 400 `invalidFilter`. */
export function parseFilter(type: ResourceType, text: string): Filter {
  if (text.length > filterLimits.maxLength) throw new ScimError(400, 'invalidFilter', `filter is longer than ${filterLimits.maxLength} characters`)
  const tokens = tokenize(text, 0, 'invalidFilter')
  if (tokens.length === 0) throw new ScimError(400, 'invalidFilter', 'filter is empty')
  const parser = new Parser(tokens, type, 'invalidFilter')
  const filter = parser.parseFilter(0)
  parser.expectEnd()
  return filter
}

/** A PATCH attribute target: `attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub` (a whole extension URN is a target patch-document.ts resolves first). */
export type PatchPath = {
  attr: ResolvedAttr
  filter?: Filter
  /** The sub-attribute after a value filter (`emails[type eq "work"].value`). */
  subAfterFilter?: ResolvedAttr
}

/** Parses a PATCH `path` (RFC 7644 §3.5.2); bad paths are 400 `invalidPath`. */
export function parsePatchPath(type: ResourceType, text: string): PatchPath {
  if (text.length > filterLimits.maxLength) throw new ScimError(400, 'invalidPath', 'path is too long')
  const open = text.indexOf('[')
  if (open === -1) return { attr: resolvePath(type, text.trim(), 'invalidPath') }
  const attr = resolvePath(type, text.slice(0, open).trim(), 'invalidPath')
  if (attr.def?.type !== 'complex' || attr.ref.sub !== undefined || !attr.ref.multiValued) {
    throw new ScimError(400, 'invalidPath', `"${attr.ref.name}" is not a multi-valued complex attribute`)
  }
  const tokens = tokenize(text, open + 1, 'invalidPath')
  const close = tokens.findIndex((token) => token.kind === ']')
  const closeToken = tokens[close]
  if (closeToken === undefined) throw new ScimError(400, 'invalidPath', 'missing "]" in path')
  const parser = new Parser(tokens.slice(0, close), type, 'invalidPath')
  const filter = parser.parseFilter(1, attr)
  parser.expectEnd()
  const rest = text.slice(closeToken.end).trim()
  if (rest === '') return { attr, filter }
  if (!rest.startsWith('.')) throw new ScimError(400, 'invalidPath', `unexpected "${rest}" after "]"`)
  return { attr, filter, subAfterFilter: resolveSubPath(attr, rest.slice(1), 'invalidPath') }
}
