// Plan → text for terminals. Colour only when asked (a TTY without NO_COLOR).
import pc from 'picocolors'
import type { Plan } from '../schema/generated/plan.js'

type Paint = (text: string) => string
type Palette = { add: Paint; change: Paint; remove: Paint; bold: Paint; dim: Paint; risk: (risk: string) => string }

function palette(color: boolean): Palette {
  const c = pc.createColors(color)
  const riskPaint: Record<string, Paint> = { critical: (t) => c.bold(c.red(t)), high: c.red, medium: c.yellow, low: c.dim }
  return { add: c.green, change: c.yellow, remove: c.red, bold: c.bold, dim: c.dim, risk: (risk) => (riskPaint[risk] ?? ((t: string) => t))(`[${risk}]`) }
}

function value(input: unknown): string {
  return input === undefined ? '(none)' : JSON.stringify(input)
}

/** The one-line summary that also opens the markdown comment. */
export function planHeadline(plan: Plan): string {
  const { create, update, delete: remove } = plan.summary.objects
  if (!plan.summary.hasChanges) return 'No changes. The applied state matches the access files.'
  const users = plan.summary.users
  const held = plan.held?.length ?? 0
  const releases = held === 0 ? '' : `; ${held} held IdP change${held === 1 ? '' : 's'} to release`
  return `${create} to create, ${update} to update, ${remove} to delete; ${users} user${users === 1 ? '' : 's'} gain or lose access${releases}; highest risk: ${plan.summary.highestRisk ?? 'none'}`
}

export function renderPlanText(plan: Plan, options: { color: boolean }): string {
  const p = palette(options.color)
  const lines: string[] = [p.bold(`rolecall plan: ${planHeadline(plan)}`)]
  if (plan.changes.length > 0) {
    lines.push('', p.bold('Object changes'))
    for (const change of plan.changes) {
      const sign = change.action === 'create' ? p.add('+') : change.action === 'update' ? p.change('~') : p.remove('-')
      lines.push(`  ${sign} ${change.kind} "${change.name}"${change.file === undefined ? '' : p.dim(` (${change.file})`)} ${p.risk(change.risk)}`)
      if (change.action === 'update') {
        for (const field of change.fields) lines.push(`      ${field.path}: ${p.remove(value(field.before))} → ${p.add(value(field.after))}`)
      }
    }
  }
  if (plan.access.length > 0) {
    lines.push('', p.bold('Access changes'))
    let user = ''
    for (const change of plan.access) {
      if (change.user !== user) {
        user = change.user
        lines.push(`  ${user}`)
      }
      const sign = change.change === 'gain' ? p.add('+ gains') : p.remove('- loses')
      lines.push(`    ${sign} ${change.what} ${p.risk(change.risk)}`)
      for (const chain of change.chains) lines.push(p.dim(`        via ${chain}`))
    }
  }
  if (plan.held !== undefined && plan.held.length > 0) {
    lines.push('', p.bold('Held IdP changes (released by this apply)'))
    for (const held of plan.held) {
      lines.push(`  ${held.id} ${held.user} ${p.risk(held.risk)}${held.isOverdue === true ? ` ${p.remove('overdue')}` : ''}`)
      lines.push(`      ${held.change}, since ${held.since} (audit #${held.auditSeq})`)
      for (const access of held.access) lines.push(p.dim(`      + ${access}`))
    }
  }
  if (plan.findings.length > 0) {
    lines.push('', p.bold('Policy'))
    for (const finding of plan.findings) {
      lines.push(`  ${finding.severity === 'error' ? p.remove('error') : p.change('warning')} ${finding.code}: ${finding.summary}`)
      for (const path of finding.paths) lines.push(p.dim(`      ${path}`))
    }
  }
  if (plan.approvals.length > 0) {
    lines.push('', p.bold('Approvals required'))
    for (const approval of plan.approvals) {
      const eligible = approval.eligible === undefined || approval.eligible.length === 0 ? '' : p.dim(` (eligible: ${approval.eligible.join(', ')})`)
      lines.push(`  ${p.risk(approval.risk)} ${approval.count} of ${approval.approvers.join(', ')}${eligible}`)
    }
  }
  if (plan.idpGroups.unmapped.length > 0 || plan.idpGroups.missing.length > 0) {
    lines.push('', p.bold('IdP groups'))
    for (const group of plan.idpGroups.unmapped) lines.push(`  unmapped (grants nothing): ${group}`)
    for (const group of plan.idpGroups.missing) lines.push(`  not provisioned yet: ${group}`)
  }
  if (plan.expiring.length > 0) {
    lines.push('', p.bold('Expiring within 14 days'))
    for (const grant of plan.expiring) lines.push(`  ${grant.expires}  ${grant.name} (${grant.user})`)
  }
  return `${lines.join('\n')}\n`
}
