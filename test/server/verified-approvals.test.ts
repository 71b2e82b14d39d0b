// Applies through the admin API with approvals the server verifies itself against the pull request's reviews, read
// from a local server on 127.0.0.1 that plays GitHub's REST API; without a GitHub token, refused unless trusted.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { readPlanBase } from '../../src/apply/store-base.js'
import { loadAccessDir } from '../../src/load/load-access.js'
import { makePlan } from '../../src/plan/make-plan.js'
import type { Plan } from '../../src/schema/generated/plan.js'
import { createApiApp } from '../../src/server/api.js'
import type { ApprovalVerification } from '../../src/server/verified-approvals.js'
import type { Store } from '../../src/store/store.js'
import { repoRoot } from '../helpers/cli.js'
import { fixtureNow } from '../helpers/fixtures.js'
import { provisionGroup, provisionUser } from '../helpers/provision.js'
import { scimFixture } from '../helpers/scim.js'

const headSha = 'a'.repeat(40)
const githubToken = 'ghs_serverVerifiesApprovals'
let github: Server
let apiUrl: string
/** The reviews the fake GitHub answers with; each test sets them. */
let reviews: { user: { login: string } | null; state: string; commit_id: string; submitted_at: string }[] = []
let seen: { path: string; authorization: string | undefined }[] = []

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  response.end(JSON.stringify(body))
}

/** Members of `org/slug`: three logins named for the team. */
const membersOf = (slug: string) => [1, 2, 3].map((n) => `${slug}-${n}`)

beforeAll(async () => {
  github = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    seen.push({ path: url.pathname, authorization: request.headers.authorization })
    if (url.pathname === '/repos/acme/access/pulls/42') return send(response, 200, { number: 42, user: { login: 'pat.author' }, head: { sha: headSha } })
    if (url.pathname === '/repos/acme/access/pulls/42/reviews') {
      // Two pages, as GitHub paginates: the first links to the second.
      if (url.searchParams.get('page') === '2') return send(response, 200, reviews.slice(1))
      return send(response, 200, reviews.slice(0, 1), { link: `<${apiUrl}/repos/acme/access/pulls/42/reviews?per_page=100&page=2>; rel="next"` })
    }
    const team = /^\/orgs\/acme\/teams\/([^/]+)\/members$/.exec(url.pathname)
    if (team !== null)
      return send(
        response,
        200,
        membersOf(team[1] ?? '').map((login) => ({ login })),
      )
    return send(response, 404, { message: 'Not Found' })
  })
  await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve))
  apiUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise<void>((resolve) => github.close(() => resolve()))
})

beforeEach(() => {
  seen = []
})

let store: Store
let plan: Plan

/** A fresh store with the example's IdP groups, and the plan that applies the example organization to it. */
async function freshPlan(): Promise<void> {
  const fixture = await scimFixture(['okta'])
  store = fixture.store
  const sam = await provisionUser(fixture.client, 'sam@acme.example')
  await provisionGroup(fixture.client, 'support-tier-2', [sam])
  const loaded = await loadAccessDir(`${repoRoot}access`, { cwd: repoRoot, now: fixtureNow })
  plan = makePlan(loaded.state, await readPlanBase(store), fixtureNow)
}

/** Every team member of every github: approver in the plan approves the head commit. */
function approvalsOfEveryTeam(): typeof reviews {
  const teams = [...new Set(plan.approvals.flatMap((requirement) => requirement.approvers.filter((approver) => approver.startsWith('github:acme/')).map((approver) => approver.slice('github:acme/'.length))))]
  return teams.flatMap((slug) => membersOf(slug).map((login) => ({ user: { login }, state: 'APPROVED', commit_id: headSha, submitted_at: '2026-11-20T10:00:00Z' })))
}

async function apply(approvals: ApprovalVerification | undefined, body: Record<string, unknown>) {
  const app = createApiApp({ store, clock: () => fixtureNow, ...(approvals === undefined ? {} : { approvals }) })
  const token = (await store.createAdminToken(['apply'])).token
  const response = await app.request('http://localhost/api/v1/apply', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ plan, ...body }),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const verifying = (): ApprovalVerification => ({ github: { apiUrl, token: githubToken, repository: 'acme/access', identities: new Map() }, trustBranchProtection: false })

describe('approvals verified by the server', () => {
  beforeEach(freshPlan)

  it('needs approvals in the plan it tests with', () => {
    expect(plan.approvals.some((requirement) => requirement.count > 0 && requirement.approvers.some((approver) => approver.startsWith('github:')))).toBe(true)
  })

  it('refuses an apply that needs approvals when it has no GitHub token, whatever the caller claims, and applies nothing', async () => {
    const refused = await apply(undefined, { approvedBy: ['sam.support@acme.example', 'alice.sec@acme.example'] })
    expect(refused.status).toBe(422)
    expect(refused.body).toMatchObject({ kind: 'refused', error: expect.stringContaining('--trust-branch-protection') })
    expect(await store.appliedState()).toBeUndefined()
  })

  it("takes the caller's approvals as they are when told to trust branch protection", async () => {
    const applied = await apply({ trustBranchProtection: true }, { approvedBy: ['acme/security:a', 'acme/security:b', 'acme/access-reviewers:c', 'acme/platform-leads:d'] })
    expect(applied.status).toBe(200)
    expect((await store.appliedState())?.revision.review).toBeUndefined()
  })

  it("verifies the approvals against the reviews with its own token, keeps the caller's names as a claim, and records the pull request and who counted", async () => {
    reviews = approvalsOfEveryTeam()
    const applied = await apply(verifying(), { approvedBy: ['sam.support@acme.example'], pullRequest: 42 })
    expect(applied.status).toBe(200)
    expect(seen.every((request) => request.authorization === `Bearer ${githubToken}`)).toBe(true)
    expect(seen.map((request) => request.path)).toContain('/repos/acme/access/pulls/42/reviews')
    const revision = (await store.appliedState())?.revision
    expect(revision?.approvedBy).toEqual(['sam.support@acme.example'])
    expect(revision?.review?.pullRequest).toEqual({ repository: 'acme/access', number: 42 })
    expect(revision?.review?.verifiedApprovers.length).toBeGreaterThan(0)
    expect(revision?.review?.verifiedApprovers.every((name) => /^acme\/[^:]+:[^:]+-\d$/.test(name))).toBe(true)
    const entries: { action: string; detail: Record<string, unknown> | null }[] = []
    await store.exportAudit((entry) => entries.push(entry))
    expect(entries.find((entry) => entry.action === 'apply')?.detail).toMatchObject({
      approvedBy: ['sam.support@acme.example'],
      pullRequest: { repository: 'acme/access', number: 42 },
      verifiedApprovers: revision?.review?.verifiedApprovers,
    })
  })

  it("refuses when the reviews do not give the approvals: the author's own, one on an older commit, one withdrawn", async () => {
    const [first, second, third] = approvalsOfEveryTeam()
    reviews = [
      { user: { login: 'pat.author' }, state: 'APPROVED', commit_id: headSha, submitted_at: '2026-11-20T10:00:00Z' },
      { ...(first ?? reviews[0]!), commit_id: 'b'.repeat(40) },
      { ...(second ?? reviews[0]!) },
      { ...(second ?? reviews[0]!), state: 'CHANGES_REQUESTED', submitted_at: '2026-11-20T11:00:00Z' },
      ...(third === undefined ? [] : [{ ...third, state: 'COMMENTED' }]),
    ]
    const refused = await apply(verifying(), { approvedBy: ['acme/security:a', 'acme/security:b', 'acme/access-reviewers:c', 'acme/platform-leads:d'], pullRequest: 42 })
    expect(refused.status).toBe(422)
    expect(refused.body.error).toMatch(/^the reviews of acme\/access#42 do not give the approvals this plan needs:\n {2}- /)
    expect(await store.appliedState()).toBeUndefined()
  })

  it('asks for the pull request when it needs approvals, and answers 502 when GitHub does not know it', async () => {
    const missing = await apply(verifying(), { approvedBy: [] })
    expect(missing).toMatchObject({ status: 422, body: { error: expect.stringContaining('send `pullRequest`') } })
    const unknown = await apply(verifying(), { pullRequest: 7 })
    expect(unknown.status).toBe(502)
    expect(unknown.body.error).toMatch(/^cannot verify the approvals of acme\/access#7: GitHub API GET \/repos\/acme\/access\/pulls\/7 answered 404/)
    expect(JSON.stringify(unknown.body)).not.toContain(githubToken)
    expect((await apply(verifying(), { pullRequest: 'seven' })).status).toBe(400)
  })
})
