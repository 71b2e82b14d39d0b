// Where a store lives: an SQLite file (the embedded default) or a PostgreSQL database named by a URL.
import { isAbsolute, resolve } from 'node:path'
import { UsageError } from '../errors.js'

/**
 * A store's location. `display` is what messages and logs may show: for a database URL, the URL with its
 * password replaced by `***` (the password itself is never shown).
 */
export type StoreLocation = { backend: 'sqlite'; path: string; display: string } | { backend: 'postgres'; url: string; display: string }

const postgresSchemes = ['postgres:', 'postgresql:']

/** Whether `text` names a database server rather than a file. */
export function isDatabaseUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//i.test(text)
}

/** `url` with its password (if any) replaced by `***`, for messages; unparsable text is shown as its scheme only. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return `${url.split(':')[0]}://…`
  }
}

/** The location `text` names: a postgres:// or postgresql:// URL, `:memory:`, or a file path relative to `cwd`. */
export function storeLocation(text: string, cwd: string): StoreLocation {
  if (isDatabaseUrl(text)) {
    let parsed: URL
    try {
      parsed = new URL(text)
    } catch {
      throw new UsageError(`--db ${redactUrl(text)} is not a valid database URL (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE)`)
    }
    if (!postgresSchemes.includes(parsed.protocol.toLowerCase())) throw new UsageError(`--db ${redactUrl(text)}: unknown scheme`)
    return { backend: 'postgres', url: text, display: redactUrl(text) }
  }
  if (text === ':memory:') return { backend: 'sqlite', path: text, display: text }
  const path = isAbsolute(text) ? text : resolve(cwd, text)
  return { backend: 'sqlite', path, display: path }
}
