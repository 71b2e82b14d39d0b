// Renders a resolved SCIM filter as text, in any of the spellings RFC 7644 §3.4.2.2 lets a client choose, for round trips.
import type { AttrRef, Filter, FilterValue } from '../../src/store/query.js'

/** Choices in [0, 1), so that one seed gives one spelling. */
export type Chooser = () => number

const enterpriseUrn = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
const coreUrn = { users: 'urn:ietf:params:scim:schemas:core:2.0:User', groups: 'urn:ietf:params:scim:schemas:core:2.0:Group' }

/** Multi-valued complex attributes that stand for their `value` when named alone (RFC 7644 §3.4.2.2). */
const valueStandIns = new Set(['emails', 'phoneNumbers', 'ims', 'photos', 'entitlements', 'roles', 'x509Certificates', 'members', 'groups'])

export function renderFilter(filter: Filter, table: 'users' | 'groups', choose: Chooser): string {
  const chance = (p: number): boolean => choose() < p
  const pick = <T>(items: readonly T[]): T => items[Math.floor(choose() * items.length)] as T
  // Attribute names, operators and keywords are case-insensitive (RFC 7643 §2.1, RFC 7644 §3.4.2.2).
  const anyCase = (text: string): string => (chance(0.5) ? text : Array.from(text, (char) => (chance(0.5) ? char.toUpperCase() : char.toLowerCase())).join(''))
  const gap = (): string => pick([' ', ' ', ' ', '  ', '\t', ' \n '])
  const optionalGap = (): string => (chance(0.6) ? '' : gap())

  const attrText = (ref: AttrRef, withSub: boolean): string => {
    const path = withSub && ref.sub !== undefined ? `${ref.name}.${ref.sub}` : ref.name
    // The name of an extension rolecall does not define is kept as sent, and compared so (see README).
    if (ref.extension !== undefined) return ref.extension === enterpriseUrn ? anyCase(`${ref.extension}:${path}`) : `${ref.extension}:${path}`
    return anyCase(chance(0.15) ? `${coreUrn[table]}:${path}` : path)
  }

  const stringText = (value: string): string => {
    // JSON string escapes (RFC 7644 §3.4.2.2 compValue is a JSON string): \uXXXX for any code unit, \/ for "/".
    const units = JSON.stringify(value).slice(1, -1)
    let out = ''
    for (let i = 0; i < units.length; i++) {
      const unit = units[i] ?? ''
      if (unit === '\\') {
        const escape = units[i + 1] === 'u' ? units.slice(i, i + 6) : units.slice(i, i + 2)
        out += escape
        i += escape.length - 1
      } else if (unit === '/' && chance(0.5)) {
        out += '\\/'
      } else {
        // A surrogate pair is one character, escaped whole or not at all: half of one would be a lone surrogate.
        const char = /[\uD800-\uDBFF]/.test(unit) ? units.slice(i, i + 2) : unit
        out += chance(0.1) ? Array.from({ length: char.length }, (_, k) => `\\u${char.charCodeAt(k).toString(16).padStart(4, '0')}`).join('') : char
        i += char.length - 1
      }
    }
    return `"${out}"`
  }

  const valueText = (ref: AttrRef, op: string, value: FilterValue): string => {
    if (value === null) return anyCase('null')
    if (typeof value === 'boolean') return ref.type === 'boolean' && chance(0.3) ? (value ? '"True"' : '"False"') : anyCase(String(value))
    if (typeof value === 'number') return pick([String(value), `${value}.0`, `${value}e0`].filter((text) => Number(text) === value))
    if (ref.type === 'dateTime') return stringText(chance(0.5) ? value : otherDateTimeSpelling(value, chance))
    // A number sent for a string attribute compares as its text.
    const isSchemaless = ref.extension !== undefined && ref.extension !== enterpriseUrn
    const isText = op === 'co' || op === 'sw' || op === 'ew'
    if (ref.type === 'string' && !isSchemaless && !isText && /^(0|[1-9]\d{0,14})$/.test(value) && chance(0.3)) return value
    return stringText(value)
  }

  const operation = (filter: Filter, ref: AttrRef): string => {
    if (filter.kind === 'present') return anyCase('pr')
    if (filter.kind !== 'compare') throw new Error(`not an operation: ${filter.kind}`)
    return `${anyCase(filter.op)}${gap()}${valueText(ref, filter.op, filter.value)}`
  }

  const precedence = (filter: Filter): number => (filter.kind === 'or' ? 1 : filter.kind === 'and' ? 2 : 3)

  const render = (filter: Filter, isElement: boolean): string => {
    switch (filter.kind) {
      case 'or':
      case 'and': {
        const level = precedence(filter)
        // The parser folds `a or b or c` to the left: a right operand of the same level needs its parentheses.
        const left = child(filter.left, precedence(filter.left) < level, isElement)
        const right = child(filter.right, precedence(filter.right) <= level, isElement)
        return `${left}${gap()}${anyCase(filter.kind)}${gap()}${right}`
      }
      case 'not':
        return `${anyCase('not')}${optionalGap()}(${optionalGap()}${render(filter.filter, isElement)}${optionalGap()})`
      case 'valuePath': {
        const inner = filter.filter
        const head = attrText(filter.attr, false)
        if (inner.kind === 'and' && (inner.right.kind === 'compare' || inner.right.kind === 'present') && chance(0.6)) {
          // Entra's form: `emails[type eq "work"].value eq "…"`, the last and-ed comparison after the brackets.
          const sub = inner.right.attr.sub ?? ''
          return `${head}[${optionalGap()}${render(inner.left, true)}${optionalGap()}].${anyCase(sub)}${gap()}${operation(inner.right, inner.right.attr)}`
        }
        return `${head}[${optionalGap()}${render(inner, true)}${optionalGap()}]`
      }
      case 'compare':
      case 'present': {
        const ref = filter.attr
        let name: string
        if (isElement) name = anyCase(ref.sub ?? ref.name)
        else if (ref.sub === 'value' && ref.multiValued && ref.extension === undefined && valueStandIns.has(ref.name) && filter.kind === 'compare' && chance(0.3)) name = attrText(ref, false)
        else name = attrText(ref, true)
        return `${name}${gap()}${operation(filter, ref)}`
      }
      default: {
        const never: never = filter
        return never
      }
    }
  }

  const child = (filter: Filter, needsParentheses: boolean, isElement: boolean): string => (needsParentheses || chance(0.1) ? `(${optionalGap()}${render(filter, isElement)}${optionalGap()})` : render(filter, isElement))

  return `${optionalGap()}${render(filter, false)}${optionalGap()}`
}

/** The same instant in another xsd:dateTime spelling: another offset, no milliseconds when they are 0, lower-case T and Z. */
function otherDateTimeSpelling(stored: string, chance: (p: number) => boolean): string {
  const ms = Date.parse(stored)
  const offsetMinutes = chance(0.5) ? 0 : chance(0.5) ? 90 : -330
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, -1)
  const body = local.endsWith('.000') && chance(0.5) ? local.slice(0, -4) : local
  const sign = offsetMinutes < 0 ? '-' : '+'
  const abs = Math.abs(offsetMinutes)
  const zone = offsetMinutes === 0 && chance(0.5) ? 'Z' : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
  const text = `${body}${zone}`
  return chance(0.3) ? text.replace('T', 't').replace('Z', 'z') : text
}
