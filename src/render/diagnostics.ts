// Diagnostics → text for terminals, JSON (schemas/diagnostics.schema.json), or GitHub workflow annotations.
import { formatLocation, type Diagnostic } from '../diag/diagnostic.js'

export type DiagnosticFormat = 'text' | 'json' | 'github'

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`
}

/** `2 errors, 1 warning in 14 files` */
export function summaryLine(diagnostics: readonly Diagnostic[], fileCount: number): string {
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length
  const warnings = diagnostics.length - errors
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(fileCount, 'file')}`
}

/** One line per diagnostic, `file:line:col: error: message [code]`, then the summary line. */
export function renderDiagnosticsText(diagnostics: readonly Diagnostic[], fileCount: number): string {
  const lines = diagnostics.map((diagnostic) => {
    const location = formatLocation(diagnostic.source)
    const head = `${location === '' ? 'rolecall' : location}: ${diagnostic.severity}: ${diagnostic.summary} [${diagnostic.code}]`
    return diagnostic.detail === undefined ? head : `${head}\n    ${diagnostic.detail}`
  })
  return [...lines, summaryLine(diagnostics, fileCount), ''].join('\n')
}

/** The diagnostics as a JSON array, keys in schema order. */
export function renderDiagnosticsJson(diagnostics: readonly Diagnostic[]): string {
  const items = diagnostics.map((diagnostic) => ({
    severity: diagnostic.severity,
    code: diagnostic.code,
    summary: diagnostic.summary,
    ...(diagnostic.detail === undefined ? {} : { detail: diagnostic.detail }),
    ...(diagnostic.source === undefined ? {} : { source: diagnostic.source }),
  }))
  return `${JSON.stringify(items, null, 2)}\n`
}

// GitHub workflow commands: data escapes %, CR, LF; properties also escape : and ,.
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}

/** `::error file=…,line=…,col=…,title=…::message` per diagnostic. */
export function renderDiagnosticsGithub(diagnostics: readonly Diagnostic[], fileCount: number): string {
  const lines = diagnostics.map((diagnostic) => {
    const properties: string[] = []
    if (diagnostic.source !== undefined) {
      properties.push(`file=${escapeProperty(diagnostic.source.file)}`, `line=${diagnostic.source.line}`, `col=${diagnostic.source.col}`)
    }
    properties.push(`title=${escapeProperty(`rolecall ${diagnostic.code}`)}`)
    const message = diagnostic.detail === undefined ? diagnostic.summary : `${diagnostic.summary}\n${diagnostic.detail}`
    return `::${diagnostic.severity} ${properties.join(',')}::${escapeData(message)}`
  })
  return [...lines, summaryLine(diagnostics, fileCount), ''].join('\n')
}

export function renderDiagnostics(format: DiagnosticFormat, diagnostics: readonly Diagnostic[], fileCount: number): string {
  switch (format) {
    case 'text':
      return renderDiagnosticsText(diagnostics, fileCount)
    case 'json':
      return renderDiagnosticsJson(diagnostics)
    case 'github':
      return renderDiagnosticsGithub(diagnostics, fileCount)
    default: {
      const unreachable: never = format
      throw new Error(`unknown format ${String(unreachable)}`)
    }
  }
}
