// Drift report → text or JSON.
import type { DriftReport } from '../plan/drift.js'

export function renderDriftText(report: DriftReport): string {
  const lines: string[] = []
  const scimCount = report.scimTotal ?? report.scim.length
  const total = scimCount + report.breakGlass.length + report.idpGroups.length
  lines.push(
    total === 0
      ? `No drift since ${report.appliedRevision ?? 'the last apply'}.`
      : `Drift since ${report.appliedRevision ?? 'the last apply'}: ${scimCount} access change${scimCount === 1 ? '' : 's'} through SCIM, ${report.breakGlass.length} break-glass grant${report.breakGlass.length === 1 ? '' : 's'}, ${report.idpGroups.length} IdP group${report.idpGroups.length === 1 ? '' : 's'} renamed or gone; highest risk: ${report.highestRisk ?? 'none'}`,
  )
  if (report.scim.length > 0) {
    lines.push('', 'Access changed by the IdP, not reviewed:')
    for (const change of report.scim) {
      lines.push(`  [${change.risk}] ${change.user} ${change.change === 'gain' ? 'gained' : 'lost'} ${change.what}`)
      for (const chain of change.chains) lines.push(`      via ${chain}`)
    }
    if (scimCount > report.scim.length) lines.push(`  … and ${scimCount - report.scim.length} more, of the same risk or lower (--limit 0 lists them all)`)
  }
  if (report.breakGlass.length > 0) {
    lines.push('', 'Break-glass grants (made outside git):')
    for (const grant of report.breakGlass) lines.push(`  [${grant.risk}] ${grant.user}: ${grant.what} until ${grant.expires} (${grant.id}: ${grant.reason})`)
  }
  if (report.idpGroups.length > 0) {
    lines.push('', 'Mapped IdP groups renamed or gone:')
    for (const group of report.idpGroups) {
      lines.push(`  group "${group.group}": ${group.connection} group "${group.was}" ${group.now === null ? 'no longer exists' : `was renamed to "${group.now}" in the IdP; update its source`}`)
    }
  }
  if (report.unapplied.length > 0) {
    lines.push('', `Not yet applied (the access files differ from ${report.appliedRevision ?? 'the store'}):`)
    for (const change of report.unapplied) lines.push(`  ${change}`)
  }
  return `${lines.join('\n')}\n`
}

export function renderDriftJson(report: DriftReport): string {
  return `${JSON.stringify(report, null, 2)}\n`
}
