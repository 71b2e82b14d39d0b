// Drift report → text or JSON, a line at a time: a drift of millions of changes (`--limit 0` on a large store
// that the IdP filled after the first apply) is never built as one string.
import type { DriftReport } from '../plan/drift.js'

/** The text report, line by line (without newlines). */
export function* driftTextLines(report: DriftReport): Generator<string> {
  const scimCount = report.scimTotal ?? report.scim.length
  const total = scimCount + report.breakGlass.length + report.idpGroups.length + (report.held?.length ?? 0)
  yield total === 0
    ? `No drift since ${report.appliedRevision ?? 'the last apply'}.`
    : `Drift since ${report.appliedRevision ?? 'the last apply'}: ${scimCount} access change${scimCount === 1 ? '' : 's'} through SCIM, ${report.breakGlass.length} break-glass grant${report.breakGlass.length === 1 ? '' : 's'}, ${report.idpGroups.length} IdP group${report.idpGroups.length === 1 ? '' : 's'} renamed or gone; highest risk: ${report.highestRisk ?? 'none'}`
  if (report.scim.length > 0) {
    yield ''
    yield 'Access changed by the IdP, not reviewed:'
    for (const change of report.scim) {
      yield `  [${change.risk}] ${change.user} ${change.change === 'gain' ? 'gained' : 'lost'} ${change.what}`
      for (const chain of change.chains) yield `      via ${chain}`
    }
    if (scimCount > report.scim.length) yield `  … and ${scimCount - report.scim.length} more, of the same risk or lower (--limit 0 lists them all)`
  }
  if (report.held !== undefined && report.held.length > 0) {
    yield ''
    yield 'Held IdP changes (not in effect; the next plan shows the open ones, its reviewed apply releases them):'
    for (const hold of report.held) {
      const state = hold.status === 'rejected' ? 'rejected: undo it at the IdP' : hold.isOverdue ? 'OVERDUE: release or reject it' : 'open'
      yield `  [${hold.risk}] ${hold.id} ${hold.user}: ${hold.change} since ${hold.since}, ${state}`
      yield `      holds ${hold.access.join(', ')}`
    }
  }
  if (report.breakGlass.length > 0) {
    yield ''
    yield 'Break-glass grants (made outside git):'
    for (const grant of report.breakGlass) yield `  [${grant.risk}] ${grant.user}: ${grant.what} until ${grant.expires} (${grant.id}: ${grant.reason})`
  }
  if (report.idpGroups.length > 0) {
    yield ''
    yield 'Mapped IdP groups renamed or gone:'
    for (const group of report.idpGroups) {
      yield `  group "${group.group}": ${group.connection} group "${group.was}" ${group.now === null ? 'no longer exists' : `was renamed to "${group.now}" in the IdP; update its source`}`
    }
  }
  if (report.unapplied.length > 0) {
    yield ''
    yield `Not yet applied (the access files differ from ${report.appliedRevision ?? 'the store'}):`
    for (const change of report.unapplied) yield `  ${change}`
  }
}

/**
 * The JSON report (as `JSON.stringify(report, null, 2)` writes it) in pieces: each array element of the report
 * is one piece, the rest is written around them.
 */
export function* driftJsonPieces(report: DriftReport): Generator<string> {
  const fields = Object.entries(report).filter(([, value]) => value !== undefined)
  yield '{'
  for (const [index, [name, value]] of fields.entries()) {
    const end = index === fields.length - 1 ? '' : ','
    if (!Array.isArray(value) || value.length === 0) {
      yield `\n  ${JSON.stringify(name)}: ${indent(JSON.stringify(value, null, 2))}${end}`
      continue
    }
    yield `\n  ${JSON.stringify(name)}: [`
    for (const [at, element] of value.entries()) yield `\n    ${indent(indent(JSON.stringify(element, null, 2)))}${at === value.length - 1 ? '' : ','}`
    yield `\n  ]${end}`
  }
  yield '\n}\n'
}

function indent(text: string): string {
  return text.replaceAll('\n', '\n  ')
}

export function renderDriftText(report: DriftReport): string {
  return `${[...driftTextLines(report)].join('\n')}\n`
}

export function renderDriftJson(report: DriftReport): string {
  return [...driftJsonPieces(report)].join('')
}

/** Writes pieces to `out` in batches of about a megabyte. */
export function writeInBatches(pieces: Iterable<string>, out: (text: string) => void, separator = ''): void {
  let batch: string[] = []
  let size = 0
  for (const piece of pieces) {
    batch.push(piece)
    size += piece.length + separator.length
    if (size >= 1 << 20) {
      out(batch.join(separator) + separator)
      batch = []
      size = 0
    }
  }
  if (batch.length > 0) out(batch.join(separator) + separator)
}
