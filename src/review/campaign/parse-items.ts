// items.yaml back into decisions, with every problem at file:line:col.
import type { Diagnostic } from '../../diag/diagnostic.js'
import { suggestion } from '../../diag/suggest.js'
import { parseYamlFast, PositionIndex, type DocPath } from '../../load/yaml.js'
import { parseTimestamp } from '../../model/time.js'
import type { Decision } from './record.js'

/** A decision as a reviewer wrote it, and where its item is in the file. */
export type WrittenDecision = { id: string; decision: Decision; reason?: string; by?: string; at?: string; path: DocPath }

export type ParsedItems = { decisions: WrittenDecision[]; diagnostics: Diagnostic[] }

const decisions: readonly Decision[] = ['pending', 'keep', 'revoke']
const itemKeys = ['id', 'user', 'access', 'risk', 'chain', 'reviewers', 'lastCertified', 'decision', 'reason', 'by', 'at']

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined
}

/** The decisions of items.yaml. Problems are diagnostics; an item with one is left out of `decisions`. */
export function parseItems(file: string, source: string): ParsedItems {
  const parsed = parseYamlFast(file, source)
  if ('diagnostic' in parsed) return { decisions: [], diagnostics: [parsed.diagnostic] }
  const problems: { summary: string; path: DocPath; onKey?: boolean }[] = []
  const out: WrittenDecision[] = []
  const root = parsed.documents[0]
  const items = isRecord(root) ? root.items : undefined
  if (parsed.documents.length !== 1 || !Array.isArray(items)) {
    problems.push({ summary: 'items.yaml must be one document with an `items` list', path: [] })
  } else {
    items.forEach((item: unknown, index) => {
      const path: DocPath = ['items', index]
      if (!isRecord(item)) return problems.push({ summary: `item ${index + 1} is not a mapping`, path })
      for (const key of Object.keys(item)) if (!itemKeys.includes(key)) problems.push({ summary: `Unknown key \`${key}\`${suggestion(key, itemKeys, '`')}`, path: [...path, key], onKey: true })
      const id = text(item.id)
      if (id === undefined) return problems.push({ summary: `item ${index + 1} has no \`id\``, path })
      const decision = item.decision ?? 'pending'
      if (typeof decision !== 'string' || !(decisions as readonly string[]).includes(decision)) {
        return problems.push({ summary: `\`decision\` of item ${id} must be keep, revoke or pending (got ${JSON.stringify(decision)})${suggestion(String(decision), decisions)}`, path: [...path, 'decision'] })
      }
      const at = item.at === null || item.at === undefined ? undefined : item.at instanceof Date ? item.at.toISOString() : String(item.at)
      if (at !== undefined && parseTimestamp(at) === undefined) return problems.push({ summary: `\`at\` of item ${id} is not a date or RFC 3339 date-time`, path: [...path, 'at'] })
      const reason = text(item.reason)
      const by = text(item.by)
      out.push({ id, decision: decision as Decision, ...(reason === undefined ? {} : { reason }), ...(by === undefined ? {} : { by }), ...(at === undefined ? {} : { at }), path })
    })
  }
  if (problems.length === 0) return { decisions: out, diagnostics: [] }
  const index = new PositionIndex(source)
  const bad = new Set(problems.map((problem) => String(problem.path[1])))
  return {
    decisions: out.filter((entry) => !bad.has(String(entry.path[1]))),
    diagnostics: problems.map((problem) => ({ severity: 'error', code: 'review-item', summary: problem.summary, source: { file, ...index.locate(0, problem.path, problem.onKey) } })),
  }
}

/** Where a decision is in its file, for messages. */
export function locateDecision(file: string, source: string, decision: WrittenDecision, field?: string): { file: string; line: number; col: number } {
  return { file, ...new PositionIndex(source).locate(0, field === undefined ? decision.path : [...decision.path, field]) }
}
