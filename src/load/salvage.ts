// Names declared in a file that cannot be loaded, so that one broken file does not make every reference to it unknown.
import { isMap, parseAllDocuments } from 'yaml'

/** A `kind` and `name` read from a document that is not otherwise used. */
export type SalvagedName = { kind: string; name: string }

/**
 * The top-level `kind`/`name` pairs the error-tolerant parser can still read from `text`.
 * Only called for files that failed to decode or parse; nothing else of theirs is trusted.
 */
export function salvageNames(text: string): SalvagedName[] {
  const documents = parseAllDocuments(text)
  const names: SalvagedName[] = []
  for (const document of Array.isArray(documents) ? documents : [documents]) {
    const root: unknown = document.contents
    if (!isMap(root)) continue
    const kind: unknown = root.get('kind')
    const name: unknown = root.get('name')
    if (typeof kind === 'string' && typeof name === 'string') names.push({ kind, name })
  }
  return names
}
