// An access review campaign end to end on the example organization, through the real CLI and a real SQLite store.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseDocument } from 'yaml'
import type { PopulationRow } from '../../src/review/campaign/population.js'
import type { ReviewRecord } from '../../src/review/campaign/record.js'
import { exampleApprovals } from '../helpers/apply-example.js'
import { runCli } from '../helpers/cli.js'
import { reviewOrg, type ReviewOrg } from '../helpers/review-org.js'

const openedAt = '2026-11-23T00:00:00Z'
const identities = { 'sasha-gh': 'sasha@acme.example', 'sam-gh': 'sam@acme.example', 'casey-gh': 'casey@acme.example' }

let org: ReviewOrg
let folder: string
let record: ReviewRecord
let rows: PopulationRow[]

const cli = (args: string[], now = openedAt) => runCli(args, { cwd: org.cwd, env: { ROLECALL_NOW: now, ROLECALL_DB: org.db } })

/** Set decisions in items.yaml as a reviewer would edit it. */
async function decide(decisions: Record<string, { decision: string; by?: string; reason?: string }>): Promise<void> {
  const path = join(folder, 'items.yaml')
  const document = parseDocument(await readFile(path, 'utf8'))
  const items = (document.toJS() as { items: { id: string }[] }).items
  for (const [id, decision] of Object.entries(decisions)) {
    const index = items.findIndex((item) => item.id === id)
    expect(index, `item ${id}`).toBeGreaterThanOrEqual(0)
    for (const [field, value] of Object.entries(decision)) document.setIn(['items', index, field], value)
  }
  await writeFile(path, document.toString())
}

function rowOf(user: string, access: string, via?: string): PopulationRow {
  const row = rows.find((entry) => entry.user === user && entry.access === access && (via === undefined || entry.via.kind === via))
  if (row === undefined) throw new Error(`no row ${user} ${access}`)
  return row
}

beforeAll(async () => {
  org = await reviewOrg()
  await writeFile(join(org.cwd, 'identities.json'), JSON.stringify(identities))
}, 60_000)

describe('rolecall review', () => {
  it('lists both campaigns of the example as due before they ever opened', async () => {
    const due = await cli(['review', 'due', '--format', 'json'])
    expect(due.code).toBe(0)
    expect(JSON.parse(due.stdout).campaigns.map((entry: { campaign: string; due: boolean }) => [entry.campaign, entry.due])).toEqual([
      ['privileged-access', true],
      ['standard-access', true],
    ])
  })

  it('opens the privileged-access campaign over the engine population, frozen with counts and a digest', async () => {
    const opened = await cli(['review', 'open', 'privileged-access', '--commit', 'c0ffee'])
    expect(opened.stderr).toBe('')
    expect(opened.code).toBe(0)
    const match = /Opened review (\S+) of "privileged-access": (\d+) items/.exec(opened.stdout)
    expect(match).not.toBeNull()
    folder = join(org.cwd, 'reviews', 'privileged-access', match?.[1] ?? '')
    record = JSON.parse(await readFile(join(folder, 'review.json'), 'utf8')) as ReviewRecord
    rows = JSON.parse(await readFile(join(folder, 'population.json'), 'utf8')) as PopulationRow[]
    expect(record).toMatchObject({ campaign: 'privileged-access', commit: 'c0ffee', appliedRevision: 'r1', count: rows.length, undecided: 'revoke', deadline: '2026-12-07T00:00:00.000Z' })
    expect(record.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    // Every row is high or critical, and the people of security-admins hold sso:manage through it.
    expect(rows.every((row) => row.risk === 'high' || row.risk === 'critical')).toBe(true)
    expect(rowOf('sam@acme.example', 'sso:manage').chain).toBe('okta group "security-admins" → group "Security Admins" → role "Security Admin" → sso:manage')
    expect(rowOf('dana@acme.example', 'edit auth-config:checkout/3ds-* in staging').via).toEqual({ kind: 'grant', name: 'dana-checkout-3ds-staging-INC-4711' })
    // Support Tier 2's access is below high: not in this campaign.
    expect(rows.some((row) => row.user === 'tess@acme.example')).toBe(false)
    const status = await cli(['review', 'status'])
    expect(status.code).toBe(0)
    expect(status.stdout).toContain(`privileged-access ${record.id}: 0/${rows.length} decided, ${rows.length} pending`)
    expect((await cli(['review', 'due', '--format', 'json'])).stdout).toContain('"lastReview": "' + record.id + '"')
  })

  it('rejects decisions by the person reviewed, by someone who may not review the item, and on unknown items', async () => {
    const own = rowOf('sasha@acme.example', 'sso:manage')
    const notAllowed = rowOf('sam@acme.example', 'scim:manage')
    const original = await readFile(join(folder, 'items.yaml'), 'utf8')
    await decide({ [own.id]: { decision: 'keep', by: 'sasha-gh', reason: 'still on the team' }, [notAllowed.id]: { decision: 'keep', by: 'casey-gh' } })
    const text = await readFile(join(folder, 'items.yaml'), 'utf8')
    await writeFile(join(folder, 'items.yaml'), text.replace(/items:\n/, 'items:\n  - id: "ffffffffffffffff"\n    decision: keep\n    by: sam-gh\n'))
    const checked = await cli(['review', 'check', record.id, '--identities', 'identities.json'])
    expect(checked.code).toBe(1)
    expect(checked.stdout).toMatch(new RegExp(`items\\.yaml:\\d+:\\d+: error: item ${own.id} is decided by sasha-gh \\(sasha@acme\\.example\\), the person reviewed`))
    expect(checked.stdout).toContain(`item ${notAllowed.id} is decided by casey-gh (casey@acme.example), who is not an allowed reviewer of it (group:Security Admins)`)
    expect(checked.stdout).toContain('unknown item id "ffffffffffffffff"')
    expect(checked.stderr).toBe('')
    await writeFile(join(folder, 'items.yaml'), original)
  })

  it("renders the progress comment within GitHub's limit", async () => {
    const checked = await cli(['review', 'check', record.id, '--identities', 'identities.json', '--format', 'markdown'])
    expect(checked.stdout.startsWith(`<!-- rolecall-review:${record.id} -->\n### Access review`)).toBe(true)
    expect(checked.stdout.length).toBeLessThan(65_536)
    expect(checked.stdout).toContain('#### Pending items')
  })

  it('refuses to close before the deadline while items are undecided', async () => {
    const closed = await cli(['review', 'close', record.id, '--identities', 'identities.json'])
    expect(closed.code).toBe(1)
    expect(closed.stderr).toContain('undecided item')
  })

  it('closes into the access-file change that removes exactly the revoked access', async () => {
    const samAdmin = rowOf('sam@acme.example', 'sso:manage')
    const dana = rowOf('dana@acme.example', 'edit auth-config:checkout/3ds-* in staging')
    const decisions: Record<string, { decision: string; by: string; reason?: string }> = {}
    for (const row of rows) decisions[row.id] = { decision: 'keep', by: row.user === 'sasha@acme.example' ? 'sam-gh' : 'sasha-gh', reason: 'still needed' }
    decisions[samAdmin.id] = { decision: 'revoke', by: 'sasha-gh', reason: 'moved to support; no longer a security admin' }
    decisions[dana.id] = { decision: 'revoke', by: 'sasha-gh', reason: 'INC-4711 is resolved' }
    await decide(decisions)
    const checked = await cli(['review', 'check', record.id, '--identities', 'identities.json'])
    expect(checked.stdout).toContain(`${rows.length} decided`)
    expect(checked.code).toBe(0)
    const closed = await cli(['review', 'close', record.id, '--identities', 'identities.json'])
    expect(closed.stderr).toBe('')
    expect(closed.code).toBe(0)
    expect(closed.stdout).toContain('access/security/groups.yaml: excluded sam@acme.example from Group "Security Admins"; also remove them from the IdP group okta/security-admins')
    expect(closed.stdout).toContain('access/exceptions/grants.yaml: removed Grant "dana-checkout-3ds-staging-INC-4711"')
    expect(await readFile(join(org.cwd, 'access/security/groups.yaml'), 'utf8')).toContain(`exclude:\n  - user: sam@acme.example\n    connection: okta\n    reason: revoked in access review ${record.id}`)
    const grants = await readFile(join(org.cwd, 'access/exceptions/grants.yaml'), 'utf8')
    expect(grants).not.toContain('dana-checkout-3ds-staging-INC-4711')
    expect(grants).toContain('erin-payments-view-FIN-208')
    expect((await cli(['validate'])).code).toBe(0)
    const plan = JSON.parse((await cli(['plan', '--format', 'json'])).stdout) as { changes: { action: string; kind: string; name: string }[]; access: { user: string; change: string }[] }
    expect(plan.changes.map((change) => `${change.action} ${change.kind} ${change.name}`)).toEqual(['update Group Security Admins', 'delete Grant dana-checkout-3ds-staging-INC-4711'])
    expect([...new Set(plan.access.map((entry) => `${entry.user} ${entry.change}`))].sort()).toEqual(['dana@acme.example loss', 'sam@acme.example loss'])
  })

  it('applies the closing change', async () => {
    const applied = await cli(['apply', ...exampleApprovals.flatMap((name) => ['--approved-by', name]), '--revision', 'feedbeef'], '2026-11-25T00:00:00Z')
    expect(applied.stderr).toBe('')
    expect(applied.code).toBe(0)
  })

  it('writes an evidence bundle that verifies against the store, with when each revocation took effect', async () => {
    const written = await cli(['review', 'evidence', record.id, '--out', 'evidence', '--identities', 'identities.json'], '2026-11-25T01:00:00Z')
    expect(written.stderr).toBe('')
    expect(written.code).toBe(0)
    const bundle = join(org.cwd, 'evidence')
    const manifest = JSON.parse(await readFile(join(bundle, 'manifest.json'), 'utf8')) as { files: { file: string; sha256: string }[] }
    expect(manifest.files.map((entry) => entry.file)).toEqual(['closure.json', 'decisions.json', 'directory.json.gz', 'population.csv', 'population.json', 'pull-request.json', 'review.json', 'revocations.json', 'summary.md'])
    const effects = JSON.parse(await readFile(join(bundle, 'revocations.json'), 'utf8')) as { user: string; key: string; appliedRevision: string | null; isRemovedNow: boolean; idpMembershipGoneAt?: string | null }[]
    const samSso = effects.find((effect) => effect.user === 'sam@acme.example' && effect.key === 'permission sso:manage')
    expect(samSso).toMatchObject({ appliedRevision: 'r2', isRemovedNow: true, idpMembershipGoneAt: null })
    expect(effects.find((effect) => effect.user === 'dana@acme.example')).toMatchObject({ appliedRevision: 'r2', isRemovedNow: true })
    const decisions = JSON.parse(await readFile(join(bundle, 'decisions.json'), 'utf8')) as { user: string; key: string; by?: string; reviewer?: string; outcome: string }[]
    expect(decisions.find((entry) => entry.user === 'dana@acme.example')).toMatchObject({ outcome: 'revoked', by: 'sasha-gh', reviewer: 'sasha@acme.example' })
    const csv = await readFile(join(bundle, 'population.csv'), 'utf8')
    expect(csv.split('\r\n').length).toBe(rows.length + 2)
    expect(await readFile(join(bundle, 'summary.md'), 'utf8')).toContain(`# Access review ${record.id}: privileged-access`)
    const verified = await cli(['review', 'verify', 'evidence'], '2026-11-25T01:00:00Z')
    expect(verified.stdout).toContain(`Evidence of review ${record.id} verifies`)
    expect(verified.code).toBe(0)
  })

  it('fails verify on the one row of the bundle that was edited, and on the manifest', async () => {
    const bundle = join(org.cwd, 'evidence')
    const csvPath = join(bundle, 'population.csv')
    const original = await readFile(csvPath, 'utf8')
    const lines = original.split('\r\n')
    const target = rows.findIndex((row) => row.user === 'casey@acme.example')
    lines[target + 1] = (lines[target + 1] ?? '').replace('casey@acme.example', 'mallory@acme.example')
    await writeFile(csvPath, lines.join('\r\n'))
    const verified = await cli(['review', 'verify', 'evidence'], '2026-11-25T01:00:00Z')
    expect(verified.code).toBe(1)
    expect(verified.stdout).toContain('MISMATCH population.csv: SHA-256')
    expect(verified.stdout).toContain(`MISMATCH population.csv line ${target + 2} (${rows[target]?.id}): user is "mallory@acme.example", expected "casey@acme.example"`)
    expect(verified.stdout.match(/^MISMATCH/gm)).toHaveLength(2)
    await writeFile(csvPath, original)
    const json = JSON.parse(await readFile(join(bundle, 'population.json'), 'utf8')) as PopulationRow[]
    await writeFile(join(bundle, 'population.json'), JSON.stringify(json.slice(1)))
    const dropped = await cli(['review', 'verify', 'evidence'], '2026-11-25T01:00:00Z')
    expect(dropped.code).toBe(1)
    expect(dropped.stdout).toContain(`MISMATCH population.json: row ${json[0]?.id} (${json[0]?.user}: ${json[0]?.access}) of the recomputed population is missing`)
  })

  it("opens the next quarter's campaign with only the delta since the first: nothing new, the revoked access gone", async () => {
    const later = '2027-02-22T00:00:00Z'
    const due = JSON.parse((await cli(['review', 'due', '--format', 'json'], later)).stdout) as { campaigns: { campaign: string; due: boolean }[] }
    expect(due.campaigns.find((entry) => entry.campaign === 'privileged-access')?.due).toBe(true)
    // With sam revoked, sasha is the only security admin left: nobody else could review sasha's access.
    const alone = await cli(['review', 'open', 'privileged-access', '--commit', 'd00d'], later)
    expect(alone.code).toBe(1)
    expect(alone.stderr).toContain('have no reviewer but the person reviewed (the reviewers are the only holders of what they review): sasha@acme.example')
    const campaigns = join(org.cwd, 'access/reviews/campaigns.yaml')
    await writeFile(campaigns, (await readFile(campaigns, 'utf8')).replace('  groups: [Security Admins]\ndeadline: 14d', '  groups: [Security Admins]\n  users: [avery@acme.example]\ndeadline: 14d'))
    const opened = await cli(['review', 'open', 'privileged-access', '--commit', 'd00d'], later)
    expect(opened.stderr).toBe('')
    const count = Number(/: (\d+) items \(0 new or changed since the last certification/.exec(opened.stdout)?.[1])
    expect(count).toBe(rows.filter((row) => row.user !== 'sam@acme.example' && row.user !== 'dana@acme.example').length)
  })
})
