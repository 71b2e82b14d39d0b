// Canonical JSON (sorted keys) and its sha256: stable digests of desired state and directory contents.
import { createHash } from 'node:crypto'

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/** `sha256:<hex>` of the canonical JSON of `value`, hashed as it is written: no string of the whole value is built. */
export function digestOf(value: unknown): string {
  const hash = createHash('sha256')
  let chunk = ''
  const write = (text: string) => {
    chunk += text
    if (chunk.length >= 1 << 16) {
      hash.update(chunk)
      chunk = ''
    }
  }
  const feed = (item: unknown): void => {
    if (Array.isArray(item)) {
      write('[')
      item.forEach((entry, index) => {
        if (index > 0) write(',')
        feed(entry)
      })
      write(']')
    } else if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item as Record<string, unknown>)
        .filter(([, entry]) => entry !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      write('{')
      entries.forEach(([key, entry], index) => {
        write(`${index > 0 ? ',' : ''}${JSON.stringify(key)}:`)
        feed(entry)
      })
      write('}')
    } else {
      write(JSON.stringify(item) ?? 'null')
    }
  }
  feed(value)
  hash.update(chunk)
  return `sha256:${hash.digest('hex')}`
}
