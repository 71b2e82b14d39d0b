// Canonical JSON (sorted keys) and its sha256: stable digests of desired state and directory contents.
import { createHash } from 'node:crypto'

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ','
      // A hole in a sparse array is written as nothing, as Array.prototype.join writes it.
      if (i in value) out += canonicalJson(value[i])
    }
    return `${out}]`
  }
  if (value !== null && typeof value === 'object') {
    // The default sort compares code units, as `<` does.
    const keys = Object.keys(value).sort()
    let out = '{'
    for (const key of keys) {
      const item = (value as Record<string, unknown>)[key]
      if (item === undefined) continue
      out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(item)}`
    }
    return `${out}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/**
 * True when `a` and `b` have the same canonical JSON, found without writing it: the same scalars, lists of the same
 * values and objects of the same defined keys with the same values. Values that write alike by other ways (NaN and
 * null) are compared as text.
 */
export function isSameJson(a: unknown, b: unknown): boolean {
  return isSameValue(a, b) || canonicalJson(a) === canonicalJson(b)
}

/** True when `a` and `b` are the same JSON value (see isSameJson); false may still be the same text. */
function isSameValue(a: unknown, b: unknown): boolean {
  if (a === b) return typeof a !== 'number' || Number.isFinite(a)
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!(i in a) || !(i in b) || !isSameValue(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b) || !isPlainObject(a) || !isPlainObject(b)) return false
  let count = 0
  for (const key of Object.keys(a)) {
    const value = a[key]
    if (value === undefined) continue
    count++
    if (!isSameValue(value, b[key])) return false
  }
  for (const key of Object.keys(b)) if (b[key] !== undefined) count--
  return count === 0
}

const nonAscii = /[^\u0000-\u007f]/

/**
 * `text` as its UTF-8 bytes, one character per byte (latin1). The digest hashes what it writes as latin1: a chunk
 * that is all one-byte characters is flattened and hashed several times faster than one with a single `→`.
 */
function utf8Bytes(text: string): string {
  return nonAscii.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text
}

/** An object shape's keys in the order written, each with the text written before its value (with and without a comma). */
type KeyOrder = { keys: readonly string[]; sorted: readonly string[]; first: readonly string[]; next: readonly string[] }

function keyOrderOf(keys: readonly string[]): KeyOrder {
  // The default sort compares code units, as `<` does.
  const sorted = [...keys].sort()
  const first = sorted.map((key) => utf8Bytes(`${JSON.stringify(key)}:`))
  return { keys, sorted, first, next: first.map((text) => `,${text}`) }
}

/** True when `a` and `b` list the same keys in the same order. */
function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** True for a string, a finite number, a boolean or null: what JSON.stringify and canonical JSON write alike. */
function isScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'boolean' || value === null || (typeof value === 'number' && Number.isFinite(value))
}

/** A plain object (not an array, a class instance or null). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype
}

/** True when `value` is a scalar, undefined or a list of strings: what JSON.stringify writes as canonical JSON does. */
function isFlat(value: unknown): boolean {
  if (value === undefined || isScalar(value)) return true
  if (!Array.isArray(value)) return false
  for (let index = 0; index < value.length; index++) if (typeof value[index] !== 'string') return false
  return true
}

/**
 * The sorted keys of `list`'s records when every item is a plain object of the same keys (in the same order) whose
 * values are flat (isFlat) or plain objects of flat values (the keys of those included); undefined otherwise. Such
 * a list's canonical JSON is what JSON.stringify writes with those keys as its property list, natively (a plan's
 * access entries: millions; a review's population rows, each with the source of its access).
 */
function recordKeys(list: readonly unknown[]): string[] | undefined {
  const first = list[0]
  if (!isPlainObject(first)) return undefined
  const keys = Object.keys(first)
  const nested = new Set<string>()
  for (const item of list) {
    if (!isPlainObject(item)) return undefined
    const own = Object.keys(item)
    if (!sameKeys(own, keys)) return undefined
    for (const key of own) {
      const value = item[key]
      if (isFlat(value)) continue
      if (!isPlainObject(value)) return undefined
      for (const inner of Object.keys(value)) {
        // A nested object without its own `__proto__` would have its prototype written for that name.
        if (inner === '__proto__' || !isFlat(value[inner])) return undefined
        nested.add(inner)
      }
    }
  }
  // The default sort compares code units, as `<` does: every object's keys are then written in sorted order.
  return [...new Set([...keys, ...nested])].sort()
}

/**
 * Lists at least this long are checked for records (recordKeys) and written natively, this many items at a time:
 * few enough that each piece of text stays a young, small string (a piece of 800 kB goes to the large-object space,
 * which only a full collection frees: 3.1 million entries then held 250 MB more at their peak).
 */
const recordListLength = 256
const recordSlice = 256

/**
 * `sha256:<hex>` of the canonical JSON of `value` (as UTF-8), hashed as it is written: no string of the whole value
 * is built. What is written is UTF-8 bytes as latin1 characters (utf8Bytes).
 */
export function digestOf(value: unknown): string {
  const hash = createHash('sha256')
  let chunk = ''
  const write = (text: string) => {
    chunk += text
    if (chunk.length >= 1 << 16) {
      hash.update(chunk, 'latin1')
      chunk = ''
    }
  }
  /** Writes a list of records (see recordKeys) with JSON.stringify, hashed as UTF-8 straight away. */
  const writeRecords = (list: readonly unknown[], keys: string[]) => {
    hash.update(chunk, 'latin1')
    chunk = ''
    for (let start = 0; start < list.length; start += recordSlice) {
      const text = JSON.stringify(list.slice(start, start + recordSlice), keys)
      hash.update(start === 0 ? text.slice(0, -1) : `,${text.slice(1, -1)}`, 'utf8')
    }
    hash.update(']', 'latin1')
  }
  // Objects of one shape come in runs (a plan's access entries): the last few shapes' key orders are kept.
  const orders: KeyOrder[] = []
  const orderOf = (keys: string[]): KeyOrder => {
    for (const order of orders) if (sameKeys(order.keys, keys)) return order
    const order = keyOrderOf(keys)
    if (orders.length >= 8) orders.pop()
    orders.unshift(order)
    return order
  }
  // Lists of strings already written, by identity: a plan's access entries share their chain lists.
  let written = new Map<readonly unknown[], string>()
  // Strings already written, as JSON: a plan's access entries repeat their user, key and what.
  let quoted = new Map<string, string>()
  const feed = (item: unknown): void => {
    if (typeof item === 'string') {
      let text = quoted.get(item)
      if (text === undefined) {
        text = utf8Bytes(JSON.stringify(item))
        if (quoted.size >= 1 << 16) quoted = new Map()
        quoted.set(item, text)
      }
      write(text)
    } else if (Array.isArray(item)) {
      const known = written.get(item)
      if (known !== undefined) {
        write(known)
        return
      }
      const keys = item.length >= recordListLength ? recordKeys(item) : undefined
      if (keys !== undefined) {
        writeRecords(item, keys)
        return
      }
      // A list of strings is written as JSON.stringify writes it (no holes: a hole is not a string).
      let isStrings = true
      for (let index = 0; index < item.length && isStrings; index++) isStrings = typeof item[index] === 'string'
      if (isStrings) {
        const text = utf8Bytes(JSON.stringify(item))
        if (written.size >= 1 << 16) written = new Map()
        written.set(item, text)
        write(text)
        return
      }
      write('[')
      for (let index = 0; index < item.length; index++) {
        if (index > 0) write(',')
        // A hole of a sparse array is written as nothing.
        if (index in item) feed(item[index])
      }
      write(']')
    } else if (item !== null && typeof item === 'object') {
      write('{')
      let isFirst = true
      const { sorted, first, next } = orderOf(Object.keys(item))
      for (let index = 0; index < sorted.length; index++) {
        const entry = (item as Record<string, unknown>)[sorted[index] as string]
        if (entry === undefined) continue
        write((isFirst ? first : next)[index] as string)
        isFirst = false
        feed(entry)
      }
      write('}')
    } else {
      write(JSON.stringify(item) ?? 'null')
    }
  }
  feed(value)
  hash.update(chunk, 'latin1')
  return `sha256:${hash.digest('hex')}`
}
