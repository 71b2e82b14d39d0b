import { beforeAll, describe, expect, it } from 'vitest'
import type { Directory } from '../../../src/engine/types.js'
import { loadAccessDir } from '../../../src/load/load-access.js'
import type { DesiredState } from '../../../src/model/state.js'
import { checkDecisions } from '../../../src/review/campaign/check.js'
import { planClosure } from '../../../src/review/campaign/close.js'
import { editAccessFiles } from '../../../src/review/campaign/edit-files.js'
import { openReview, nextOpening } from '../../../src/review/campaign/open.js'
import type { WrittenDecision } from '../../../src/review/campaign/parse-items.js'
import { parseItems } from '../../../src/review/campaign/parse-items.js'
import { populationOf, type Population } from '../../../src/review/campaign/population.js'
import type { ClosureRecord, ReviewRecord } from '../../../src/review/campaign/record.js'
import type { Review } from '../../../src/schema/types.js'
import { repoRoot } from '../../helpers/cli.js'
import { fixtureNow } from '../../helpers/fixtures.js'

let state: DesiredState
let privileged: Review
let standard: Review

const directory: Directory = {
  users: [
    { id: 'u-sam', connection: 'okta', userName: 'sam@acme.example', active: true },
    { id: 'u-sasha', connection: 'okta', userName: 'sasha@acme.example', active: true },
    { id: 'u-casey', connection: 'okta', userName: 'casey@acme.example', active: true },
    { id: 'u-tess', connection: 'okta', userName: 'tess@acme.example', active: true },
    { id: 'u-avery', connection: 'okta', userName: 'avery@acme.example', active: true },
  ],
  groups: [
    { id: 'g-security', connection: 'okta', displayName: 'security-admins' },
    { id: 'g-auditors', connection: 'okta', displayName: 'security-auditors' },
    { id: 'g-checkout', connection: 'okta', displayName: 'checkout-team' },
    { id: 'g-support', connection: 'okta', displayName: 'support-tier-2' },
  ],
  memberships: [
    { groupId: 'g-security', userId: 'u-sam' },
    { groupId: 'g-security', userId: 'u-sasha' },
    { groupId: 'g-auditors', userId: 'u-avery' },
    { groupId: 'g-checkout', userId: 'u-casey' },
    { groupId: 'g-support', userId: 'u-tess' },
  ],
}

const identities = new Map([
  ['sam-gh', 'sam@acme.example'],
  ['sasha-gh', 'sasha@acme.example'],
  ['casey-gh', 'casey@acme.example'],
])

const base = { closures: [], now: fixtureNow, storeRevision: 7, auditHash: 'abc', appliedRevision: 'r1', commit: 'c0ffee', directoryDigest: 'sha256:0' }

function population(review: Review): Population {
  return populationOf(review, state, directory, { now: fixtureNow, breakGlass: [] })
}

function decision(id: string, fields: Partial<WrittenDecision>): WrittenDecision {
  return { id, decision: 'keep', path: ['items', 0], ...fields }
}

beforeAll(async () => {
  const loaded = await loadAccessDir(`${repoRoot}access`, { cwd: repoRoot, now: fixtureNow })
  state = loaded.state
  privileged = state.reviews.get('privileged-access')?.doc as Review
  standard = state.reviews.get('standard-access')?.doc as Review
})

describe('populationOf', () => {
  it('holds every in-scope row of the engine, sorted, with stable ids and a digest', () => {
    const first = population(privileged)
    expect(first.rows.length).toBeGreaterThan(0)
    expect(first.rows.every((row) => row.risk === 'high' || row.risk === 'critical')).toBe(true)
    expect(first.rows.some((row) => row.user === 'tess@acme.example')).toBe(false)
    expect(population(privileged)).toEqual(first)
    expect(new Set(first.rows.map((row) => row.id)).size).toBe(first.rows.length)
    expect(first.pools['group:Security Admins']).toEqual(['sam@acme.example', 'sasha@acme.example'])
    expect(first.rows.find((row) => row.user === 'casey@acme.example')?.reviewers).toBe('team:Checkout Team + group:Security Admins')
  })

  it('keeps a row id when the same access comes by the same chain again', () => {
    const fewer: Directory = { ...directory, memberships: directory.memberships.filter((entry) => entry.userId !== 'u-casey') }
    const ids = new Set(populationOf(privileged, state, fewer, { now: fixtureNow, breakGlass: [] }).rows.map((row) => row.id))
    const all = population(privileged).rows
    expect(all.filter((row) => !ids.has(row.id)).every((row) => row.user === 'casey@acme.example')).toBe(true)
  })
})

describe('openReview', () => {
  it('lists access never certified first and certifies unchanged low-risk access by the rule', () => {
    const rows = population(standard).rows
    const kept = rows.filter((row) => row.user === 'tess@acme.example')
    expect(kept.length).toBeGreaterThan(0)
    const closure: ClosureRecord = { formatVersion: 1, id: 'earlier', closedAt: '2025-11-30T00:00:00.000Z', changes: [], items: kept.map((row) => ({ id: row.id, user: row.user, key: row.key, outcome: 'kept' })) }
    const { record, items } = openReview({ ...base, review: standard, population: population(standard), closures: [closure] })
    const certified = items.filter((item) => item.lastCertified !== null)
    expect(certified.map((item) => item.id).sort()).toEqual(kept.map((row) => row.id).sort())
    expect(items.slice(0, items.length - certified.length).every((item) => item.lastCertified === null)).toBe(true)
    const low = certified.filter((item) => item.risk === 'low')
    expect(record.autoCertified).toEqual(low.map((item) => item.id).sort())
    expect(low.every((item) => item.decision === 'keep' && item.by === 'auto-certify')).toBe(true)
    expect(certified.filter((item) => item.risk !== 'low').every((item) => item.decision === 'pending')).toBe(true)
    expect(record).toMatchObject({ id: `2026-11-23-${record.digest.slice(7, 15)}`, deadline: '2026-12-23T00:00:00.000Z', count: rows.length })
  })

  it('is due again `every` after the last opening', () => {
    expect(nextOpening(privileged, undefined, fixtureNow).isDue).toBe(true)
    expect(nextOpening(privileged, '2026-09-01T00:00:00.000Z', fixtureNow)).toEqual({ dueAt: '2026-11-30T00:00:00.000Z', isDue: false })
    expect(nextOpening(privileged, '2026-08-01T00:00:00.000Z', fixtureNow).isDue).toBe(true)
  })
})

describe('checkDecisions and planClosure', () => {
  let record: ReviewRecord
  let rows: Population['rows']
  beforeAll(() => {
    const opened = openReview({ ...base, review: privileged, population: population(privileged) })
    record = opened.record
    rows = population(privileged).rows
  })
  const row = (user: string, access: string) => {
    const found = rows.find((entry) => entry.user === user && entry.access === access)
    if (found === undefined) throw new Error(`${user} ${access}`)
    return found
  }

  it.each([
    ['the person reviewed', 'sasha@acme.example', 'sso:manage', { by: 'sasha-gh' }, 'the person reviewed'],
    ['someone outside the reviewers', 'sam@acme.example', 'sso:manage', { by: 'casey-gh' }, 'not an allowed reviewer'],
    ['a login the identities do not map', 'sam@acme.example', 'sso:manage', { by: 'mallory' }, 'not mapped to a person'],
    ['a revoke without a reason', 'sam@acme.example', 'sso:manage', { by: 'sasha-gh', decision: 'revoke' as const }, 'without a `reason`'],
    ['nobody', 'sam@acme.example', 'sso:manage', {}, 'without `by`'],
    ['the rule, on an item it did not certify', 'sam@acme.example', 'sso:manage', { by: 'auto-certify' }, 'did not certify it'],
  ])('rejects a decision by %s', (_why, user, access, fields, message) => {
    const report = checkDecisions({ record, rows, decisions: [decision(row(user, access).id, fields)], identities, now: fixtureNow })
    expect(report.problems.map((problem) => problem.summary).join('\n')).toContain(message)
    expect(report.standing).toEqual([])
    expect(report.pending).toHaveLength(rows.length)
  })

  it('rejects an unknown item id and a second decision on one item', () => {
    const id = row('sam@acme.example', 'sso:manage').id
    const report = checkDecisions({ record, rows, decisions: [decision('0000000000000000', { by: 'sasha-gh' }), decision(id, { by: 'sasha-gh' }), decision(id, { by: 'sasha-gh' })], identities, now: fixtureNow })
    expect(report.problems.map((problem) => problem.summary)).toEqual(['unknown item id "0000000000000000": it is not in the population of review ' + record.id, `item ${id} is listed twice`])
    expect(report.standing).toHaveLength(1)
  })

  it('refuses to close before the deadline with undecided items, and past it revokes or escalates them as the campaign says', () => {
    const report = checkDecisions({ record, rows, decisions: [], identities, now: fixtureNow })
    expect(planClosure(report, rows, state, fixtureNow)).toEqual({ error: `review ${record.id} has ${rows.length} undecided items and its deadline (${record.deadline}) has not passed` })
    const late = new Date('2026-12-08T00:00:00Z')
    const revoked = planClosure(checkDecisions({ record, rows, decisions: [], identities, now: late }), rows, state, late)
    if ('error' in revoked) throw new Error(revoked.error)
    expect(revoked.closure.items.every((item) => item.outcome === 'revoked')).toBe(true)
    expect(revoked.closure.items.some((item) => item.basis === 'deadline')).toBe(true)
    expect(revoked.removals).toContainEqual({ kind: 'idp-exclude', group: 'Security Admins', user: 'sam@acme.example', connection: 'okta', idpGroup: 'okta/security-admins', file: 'access/security/groups.yaml' })
    const escalating = { ...record, undecided: 'escalate' as const }
    const escalated = planClosure(checkDecisions({ record: escalating, rows, decisions: [], identities, now: late }), rows, state, late)
    if ('error' in escalated) throw new Error(escalated.error)
    expect(escalated.closure.items.every((item) => item.outcome === 'escalated')).toBe(true)
    expect(escalated.removals).toEqual([])
  })
})

describe('editAccessFiles', () => {
  it("removes a listed member and keeps the file's comments", () => {
    const text = '# Emergency accounts.\nkind: Group\nname: Break Glass\nsource:\n  members:\n    users:\n      - breakglass-1@acme.example # first\n      - breakglass-2@acme.example\nroles: [Break Glass]\n'
    const { edits, problems } = editAccessFiles(new Map([['bg.yaml', text]]), [{ kind: 'listed-member', group: 'Break Glass', user: 'BreakGlass-1@acme.example', file: 'bg.yaml' }], 'r-1')
    expect(problems).toEqual([])
    expect(edits[0]?.text).toBe('# Emergency accounts.\nkind: Group\nname: Break Glass\nsource:\n  members:\n    users:\n      - breakglass-2@acme.example\nroles: [ Break Glass ]\n')
  })

  it('deletes a Grant document and leaves the others', () => {
    const text = 'kind: Grant\nname: a\nuser: x\n---\n# kept\nkind: Grant\nname: b\nuser: y\n'
    const { edits } = editAccessFiles(new Map([['g.yaml', text]]), [{ kind: 'grant', grant: 'a', file: 'g.yaml' }], 'r-1')
    expect(edits[0]?.text).toBe('---\n# kept\nkind: Grant\nname: b\nuser: y\n')
  })
})

describe('parseItems', () => {
  it('reports a misspelt decision at its line and column', () => {
    const parsed = parseItems('items.yaml', 'items:\n  - id: "abc"\n    decision: revok\n')
    expect(parsed.diagnostics.map((entry) => [entry.summary, entry.source])).toEqual([['`decision` of item abc must be keep, revoke or pending (got "revok"); did you mean "revoke"?', { file: 'items.yaml', line: 3, col: 15 }]])
  })
})
