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
      for (let index = 0; index < item.length; index++) {
        if (index > 0) write(',')
        // forEach skips holes of a sparse array.
        if (index in item) feed(item[index])
      }
      write(']')
    } else if (item !== null && typeof item === 'object') {
      write('{')
      let isFirst = true
      // The default sort compares code units, as `<` does.
      for (const key of Object.keys(item).sort()) {
        const entry = (item as Record<string, unknown>)[key]
        if (entry === undefined) continue
        write(`${isFirst ? '' : ','}${JSON.stringify(key)}:`)
        isFirst = false
        feed(entry)
      }
      write('}')
    } else {
      write(JSON.stringify(item) ?? 'null')
    }
  }
  feed(value)
  hash.update(chunk)
  return `sha256:${hash.digest('hex')}`
}
