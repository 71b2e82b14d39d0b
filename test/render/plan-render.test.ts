// Plan renderers: golden text, markdown and JSON for one fixed scenario; the markdown budget; colour only when asked.
import type { Hold } from '../../src/store/holds.js'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Directory } from '../../src/engine/types.js'
import { loadAccessDir } from '../../src/load/load-access.js'
import { stateDocuments, stateFromDocuments } from '../../src/model/documents.js'
import type { DesiredState } from '../../src/model/state.js'
import { makePlan, type PlanBaseInput } from '../../src/plan/make-plan.js'
import { renderPlanJson } from '../../src/render/plan-json.js'
import { commentMarker, markdownBudget, renderPlanMarkdown } from '../../src/render/plan-markdown.js'
import { renderPlanText } from '../../src/render/plan-text.js'
import type { Plan } from '../../src/schema/generated/plan.js'
import { repoRoot } from '../helpers/cli.js'
import { fixturesDir, fixtureNow, materialize } from '../helpers/fixtures.js'

const now = fixtureNow
const goldenDir = join(fixturesDir, 'golden')

/** What Okta provisioned, with stable ids: Carol's userName is mixed case, gone@ is deactivated, all-staff is mapped by nothing. */
const directory: Directory = {
  users: [
    { id: 'u-alice', connection: 'okta', userName: 'alice@fixture.example', active: true },
    { id: 'u-bob', connection: 'okta', userName: 'bob@fixture.example', active: true },
    { id: 'u-carol', connection: 'okta', userName: 'Carol@Fixture.example', active: true },
    { id: 'u-dave', connection: 'okta', userName: 'dave_ops@fixture.example', active: true },
    { id: 'u-erin', connection: 'okta', userName: 'erin@fixture.example', active: true },
    { id: 'u-gone', connection: 'okta', userName: 'gone@fixture.example', active: false },
  ],
  groups: [
    { id: 'g-checkout', connection: 'okta', displayName: 'checkout-team' },
    { id: 'g-support', connection: 'okta', displayName: 'support-tier-2' },
    { id: 'g-staff', connection: 'okta', displayName: 'all-staff' },
  ],
  memberships: [
    { groupId: 'g-checkout', userId: 'u-bob' },
    { groupId: 'g-checkout', userId: 'u-carol' },
    { groupId: 'g-checkout', userId: 'u-gone' },
    { groupId: 'g-support', userId: 'u-dave' },
    { groupId: 'g-support', userId: 'u-erin' },
    { groupId: 'g-staff', userId: 'u-alice' },
    { groupId: 'g-staff', userId: 'u-bob' },
  ],
}

async function loadState(dir: string): Promise<DesiredState> {
  const loaded = await loadAccessDir(dir, { cwd: dir, now })
  expect(loaded.diagnostics).toEqual([])
  return loaded.state
}

/** Expected outputs, reviewed by hand. After a deliberate change to a renderer: `npx vitest run -u test/render`, then review the diff. */
function golden(name: string): string {
  return join(goldenDir, name)
}

describe('plan renderers', () => {
  let applied: DesiredState
  let desired: DesiredState
  let plan: Plan
  const dirs: string[] = []

  beforeAll(async () => {
    const baseDir = await materialize(undefined)
    const scenarioDir = await materialize(join(goldenDir, 'scenario'))
    dirs.push(baseDir, scenarioDir)
    applied = await loadState(baseDir)
    desired = await loadState(scenarioDir)
    // Erin's membership of support-tier-2 was held (a mass change): the plan shows it in its own section.
    const held: Hold = {
      id: 'h7',
      connection: 'okta',
      userId: 'u-erin',
      userName: 'erin@fixture.example',
      groupId: 'g-support',
      groupName: 'support-tier-2',
      trigger: 'mass-change',
      access: [{ key: 'grant run journey:*/diagnostic-*', risk: 'low' }],
      risk: 'low',
      auditSeq: 40,
      createdAt: '2026-11-20T10:00:00.000Z',
      status: 'open',
    }
    const base: PlanBaseInput = { storeRevision: 42, directory, applied: { revision: 'r3', documents: stateDocuments(applied) }, breakGlass: [], holds: [held] }
    plan = makePlan(desired, base, now)
  })
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  })

  it('renders the scenario as text, matching plan.txt', async () => {
    await expect(renderPlanText(plan, { color: false })).toMatchFileSnapshot(golden('plan.txt'))
  })

  it('renders the scenario as markdown, matching plan.md', async () => {
    await expect(renderPlanMarkdown(plan)).toMatchFileSnapshot(golden('plan.md'))
  })

  it('renders the scenario as JSON, matching plan.json', async () => {
    await expect(renderPlanJson(plan)).toMatchFileSnapshot(golden('plan.json'))
  })

  it('writes JSON that conforms to schemas/plan.schema.json', async () => {
    const ajv = new Ajv2020({ strict: false })
    for (const name of ['defs.schema.json', 'plan.schema.json']) ajv.addSchema(JSON.parse(await readFile(join(repoRoot, 'schemas', name), 'utf8')) as object)
    const validate = ajv.getSchema('https://rolecall.dev/schemas/plan.schema.json')
    expect(validate?.(JSON.parse(renderPlanJson(plan))), JSON.stringify(validate?.errors)).toBe(true)
  })

  it('colours text only when asked', () => {
    const ansi = /\u001b\[/
    expect(renderPlanText(plan, { color: false })).not.toMatch(ansi)
    const coloured = renderPlanText(plan, { color: true })
    expect(coloured).toMatch(ansi)
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).toBe(renderPlanText(plan, { color: false }))
  })

  it('says so when nothing changes, and still lists IdP groups that grant nothing', () => {
    const same = makePlan(applied, { storeRevision: 42, directory, applied: { revision: 'r3', documents: stateDocuments(applied) }, breakGlass: [] }, now)
    expect(same.summary.hasChanges).toBe(false)
    expect(renderPlanText(same, { color: false })).toBe(
      ['rolecall plan: No changes. The applied state matches the access files.', '', 'IdP groups', '  unmapped (grants nothing): okta/all-staff', '  unmapped (grants nothing): okta/support-tier-2', ''].join('\n'),
    )
    expect(renderPlanMarkdown(same)).toBe(
      [
        commentMarker,
        '### rolecall plan',
        '',
        '**No changes. The applied state matches the access files.**',
        '',
        '<details>',
        '<summary>IdP groups</summary>',
        '',
        '- unmapped, grants nothing: `okta/all-staff`',
        '- unmapped, grants nothing: `okta/support-tier-2`',
        '',
        '</details>',
        '',
      ].join('\n'),
    )
  })
})

describe('markdown budget', () => {
  /** Thousands of checkout engineers gain high access (journey edit reaches production); three admins, whose names sort last, gain sso:manage (critical). */
  async function bigPlan(people: number): Promise<Plan> {
    const dir = await materialize(undefined)
    const state = await loadState(dir)
    await rm(dir, { recursive: true, force: true })
    const documents = structuredClone(stateDocuments(state))
    const appliedDocs = documents.filter((entry) => !(entry.doc.kind === 'Group' && entry.doc.name === 'Checkout Team') && entry.doc.kind !== 'Service')
    const admins = appliedDocs.find((entry) => entry.doc.kind === 'Group' && entry.doc.name === 'Admins')
    if (admins === undefined) throw new Error('no Admins group')
    admins.doc.source = { members: { users: ['alice@fixture.example'] } }
    const desiredDocs = structuredClone(documents)
    desiredDocs.push({ file: 'admins.yaml', doc: { kind: 'Group', name: 'Zed Admins', source: { scim: { connection: 'okta', displayName: 'zed-admins' } }, roles: ['Admin'] } })
    const users: Directory['users'][number][] = []
    const memberships: Directory['memberships'][number][] = []
    for (let i = 0; i < people; i++) {
      const id = `u${String(i).padStart(5, '0')}`
      users.push({ id, connection: 'okta', userName: `engineer-${String(i).padStart(5, '0')}@fixture.example`, active: true })
      memberships.push({ groupId: 'g-checkout', userId: id })
    }
    for (const name of ['zz-admin-1', 'zz-admin-2', 'zz-admin-3']) {
      users.push({ id: name, connection: 'okta', userName: `${name}@fixture.example`, active: true })
      memberships.push({ groupId: 'g-zed', userId: name })
    }
    const bigDirectory: Directory = {
      users,
      groups: [
        { id: 'g-checkout', connection: 'okta', displayName: 'checkout-team' },
        { id: 'g-zed', connection: 'okta', displayName: 'zed-admins' },
      ],
      memberships,
    }
    const appliedState = stateFromDocuments(appliedDocs, now)
    expect(appliedState.groups.has('Checkout Team')).toBe(false)
    return makePlan(stateFromDocuments(desiredDocs, now), { storeRevision: 1, directory: bigDirectory, applied: { revision: 'r1', documents: stateDocuments(appliedState) } }, now)
  }

  it('stays under 60,000 characters with thousands of people, says where the full plan is, and keeps the riskiest people first', async () => {
    const plan = await bigPlan(3000)
    expect(plan.summary.users).toBe(3003)
    const markdown = renderPlanMarkdown(plan, { fullPlanAt: 'the `rolecall-plan` artifact of this run' })
    expect(markdown.length).toBeLessThanOrEqual(markdownBudget)
    expect(markdown.startsWith(`${commentMarker}\n### rolecall plan\n`)).toBe(true)
    expect(markdown).toContain('The full plan, with every chain, is in the `rolecall-plan` artifact of this run.')
    expect(markdown).toMatch(/: \d+ more people not shown\./)
    expect(markdown).toContain('| 🔴 critical | 3 | 0 |')
    const people = markdown.split('\n').filter((line) => line.startsWith('- ') && line.includes('@fixture.example ('))
    expect(people.slice(0, 3).map((line) => line.split(' (')[0])).toEqual(['- zz-admin-1@fixture.example', '- zz-admin-2@fixture.example', '- zz-admin-3@fixture.example'])
    expect(people[3]).toMatch(/^- engineer-00000@fixture\.example \(/)
    expect(people.length).toBeGreaterThan(100)
    expect(people.length).toBeLessThan(3003)
  })

  it('prints every person in full when the plan fits', async () => {
    const plan = await bigPlan(20)
    const markdown = renderPlanMarkdown(plan)
    expect(markdown).not.toContain('✂️')
    expect(markdown.match(/<details>/g)?.length).toBe(23 + 1)
  })
})
