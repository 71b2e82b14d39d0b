// Problems in the user's files: returned and collected, never thrown.
import { compareStrings } from '../util/compare.js'

export type Severity = 'error' | 'warning'

export type SourceLocation = { file: string; line: number; col: number }

export type Diagnostic = {
  severity: Severity
  /** Stable identifier of the kind of problem, e.g. `unknown-ref`. */
  code: string
  summary: string
  detail?: string
  source?: SourceLocation
}

/** True when any diagnostic is an error (warnings alone pass validation). */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((diagnostic) => diagnostic.severity === 'error')
}

/** File, then line, then column, then code, then text: a total order, so output is deterministic. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    compareStrings(a.source?.file ?? '', b.source?.file ?? '') ||
    (a.source?.line ?? 0) - (b.source?.line ?? 0) ||
    (a.source?.col ?? 0) - (b.source?.col ?? 0) ||
    compareStrings(a.code, b.code) ||
    compareStrings(a.summary, b.summary)
  )
}

/** A sorted copy. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(compareDiagnostics)
}

/** `file:line:col`, or the file alone, or nothing. */
export function formatLocation(source: SourceLocation | undefined): string {
  if (source === undefined) return ''
  return `${source.file}:${source.line}:${source.col}`
}
