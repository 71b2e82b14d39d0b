// Parsed access documents and diagnostics that point into them by path (resolved to line:col later).
import type { Diagnostic } from '../diag/diagnostic.js'
import type { DocPath } from './yaml.js'

export const kinds = ['Organization', 'Catalog', 'Role', 'Service', 'Group', 'Grant', 'Policy', 'AccessTest', 'Review'] as const
export type Kind = (typeof kinds)[number]

/** One YAML document of an access file. `file` is the display path; `index` counts non-empty documents in the file. */
export type SourceDocument = {
  file: string
  index: number
  value: unknown
}

/** Where in which document a problem is: the value at `path`, or its key when `onKey`. */
export type DocLocation = { file: string; index: number; path: DocPath; onKey?: boolean }

/**
 * A diagnostic still pointing at a document path; `resolvePositions` turns it into file:line:col.
 * `firstAt` is where the first of two duplicates is: its position is added to the detail.
 */
export type LocatedDiagnostic = Omit<Diagnostic, 'source'> & { at?: DocLocation; firstAt?: DocLocation }

/** `grants[0].resource` from a document path, for messages. */
export function formatPath(path: DocPath): string {
  let text = ''
  for (const segment of path) {
    text += typeof segment === 'number' ? `[${segment}]` : text === '' ? segment : `.${segment}`
  }
  return text
}

/** A JSON pointer (`/source/scim`) as a path; array indexes become numbers. */
export function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return []
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part))
}
