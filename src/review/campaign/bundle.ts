// The evidence bundle's files: population as CSV, decisions, revocations, a Markdown summary, and the SHA-256 manifest.
import { createHash } from 'node:crypto'
import { compareStrings } from '../../util/compare.js'
import type { RevocationEffect } from './effect.js'
import type { PopulationRow } from './population.js'
import type { ClosureRecord, ReviewRecord } from './record.js'

export const csvColumns = ['id', 'user', 'person', 'connections', 'key', 'access', 'risk', 'chain', 'reviewers'] as const

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

/** One CSV field's text for a row (connections joined with spaces). */
export function csvValue(row: PopulationRow, column: (typeof csvColumns)[number]): string {
  return column === 'connections' ? row.connections.join(' ') : String(row[column])
}

/** RFC 4180 CSV of the rows, one line each, in population order. */
export function populationCsv(rows: readonly PopulationRow[]): string {
  const lines = [csvColumns.join(',')]
  for (const row of rows) lines.push(csvColumns.map((column) => csvField(csvValue(row, column))).join(','))
  return `${lines.join('\r\n')}\r\n`
}

/** The records of an RFC 4180 CSV text (quoted fields may hold commas, quotes and line breaks). */
export function parseCsv(text: string): string[][] {
  const records: string[][] = []
  let record: string[] = []
  let field = ''
  let isQuoted = false
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string
    if (isQuoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (char === '"') isQuoted = false
      else field += char
    } else if (char === '"') isQuoted = true
    else if (char === ',') {
      record.push(field)
      field = ''
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++
      record.push(field)
      records.push(record)
      record = []
      field = ''
    } else field += char
  }
  if (field !== '' || record.length > 0) records.push([...record, field])
  return records
}

export type ManifestEntry = { file: string; sha256: string; bytes: number }
export type Manifest = { formatVersion: number; review: string; files: ManifestEntry[] }

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** sha256Hex on libuv's thread pool (Web Crypto), so that large files are hashed while other work goes on. */
export async function sha256HexAside(bytes: Uint8Array): Promise<string> {
  return Buffer.from(await globalThis.crypto.subtle.digest('SHA-256', bytes)).toString('hex')
}

export function makeManifest(review: string, files: ReadonlyMap<string, Uint8Array>): Manifest {
  return { formatVersion: 1, review, files: [...files].map(([file, bytes]) => ({ file, sha256: sha256Hex(bytes), bytes: bytes.length })).sort((a, b) => compareStrings(a.file, b.file)) }
}

/** A person's decision as the auditor reads it: outcome, who decided (login and userName), when, why. */
export type DecisionEvidence = { id: string; user: string; key: string; outcome: string; basis?: string; by?: string; reviewer?: string; at?: string; reason?: string }

export function decisionEvidence(closure: ClosureRecord, identities: ReadonlyMap<string, string>): DecisionEvidence[] {
  return closure.items.map((item) => {
    const reviewer = item.by === undefined ? undefined : identities.get(item.by.toLowerCase())
    return {
      id: item.id,
      user: item.user,
      key: item.key,
      outcome: item.outcome,
      ...(item.basis === undefined ? {} : { basis: item.basis }),
      ...(item.by === undefined ? {} : { by: item.by }),
      ...(reviewer === undefined ? {} : { reviewer }),
      ...(item.at === undefined ? {} : { at: item.at }),
      ...(item.reason === undefined ? {} : { reason: item.reason }),
    }
  })
}

export type PullRequestEvidence = { author: string; headSha: string; approvers: string[] } | { note: string }

export function renderSummary(input: { record: ReviewRecord; closure: ClosureRecord; decisions: readonly DecisionEvidence[]; effects: readonly RevocationEffect[]; pullRequest: PullRequestEvidence }): string {
  const { record, closure, decisions, effects, pullRequest } = input
  const count = (outcome: string) => decisions.filter((entry) => entry.outcome === outcome).length
  const lines = [
    `# Access review ${record.id}: ${record.campaign}`,
    '',
    record.definition.description ?? '',
    '',
    '| | |',
    '| --- | --- |',
    `| Opened | ${record.openedAt} |`,
    `| Deadline | ${record.deadline} |`,
    `| Closed | ${closure.closedAt} |`,
    `| Population | ${record.count} rows, digest \`${record.digest}\` |`,
    `| Taken at | store revision ${record.storeRevision} (audit hash \`${record.auditHash ?? 'none'}\`), applied revision ${record.appliedRevision}, commit ${record.commit ?? 'unknown'} |`,
    `| Outcomes | ${count('kept')} kept, ${count('revoked')} revoked, ${count('escalated')} escalated |`,
    `| Pull request | ${'note' in pullRequest ? pullRequest.note : `by ${pullRequest.author} at ${pullRequest.headSha}, approved by ${pullRequest.approvers.join(', ') || 'nobody'}`} |`,
    '',
    '## Revocations',
    '',
    '| item | person | access | applied revision | took effect | removed now | IdP membership gone |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...effects.map(
      (effect) =>
        `| \`${effect.id}\` | ${effect.user} | ${effect.key} | ${effect.appliedRevision ?? 'not yet'} | ${effect.appliedAt ?? '-'} | ${effect.isRemovedNow ? 'yes' : '**no**'} | ${effect.idpMembershipGoneAt === undefined ? 'n/a' : (effect.idpMembershipGoneAt ?? '**still a member**')} |`,
    ),
    '',
    'Every file of this bundle is listed with its SHA-256 in manifest.json; `rolecall review verify DIR` rechecks it against the store.',
  ]
  return `${lines.join('\n')}\n`
}
