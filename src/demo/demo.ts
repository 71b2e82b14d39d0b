// The guided demo: a server on a temporary store, Okta-shaped SCIM provisioning over HTTP, apply, then a
// reviewed YAML change (the pull-request comment) and an unreviewed IdP change (drift).
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Plan } from '../schema/generated/plan.js'
import { createNodeServer } from '../http/node-server.js'
import { createServerApp } from '../server/app.js'
import { storeLocation } from '../store/location.js'
import { openStore } from '../store/open-store.js'
import type { DriftReport } from '../plan/drift.js'
import { loadAccessDir } from '../load/load-access.js'
import { stateDocuments } from '../model/documents.js'
import { RolecallError } from '../errors.js'

const userSchema = 'urn:ietf:params:scim:schemas:core:2.0:User'
const groupSchema = 'urn:ietf:params:scim:schemas:core:2.0:Group'
const patchSchema = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

/** The people and IdP groups the demo's Okta provisions. */
export const demoDirectory: Record<string, string[]> = {
  'support-tier-2': ['sam.support', 'sue.support'],
  'security-admins': ['sasha.secadmin', 'sky.secadmin'],
  'checkout-team': ['casey.checkout', 'cory.checkout'],
  'payments-team': ['pat.payments'],
  'identity-platform': ['ivy.identity'],
  'security-auditors': ['sid.audit'],
  'all-staff': ['sam.support', 'casey.checkout', 'pat.payments', 'morgan.intern'],
}

export type DemoStep = { title: string; body: string }

type Http = (method: string, path: string, token: string, body?: unknown) => Promise<{ status: number; body: unknown }>

function httpClient(base: string): Http {
  return async (method, path, token, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': path.startsWith('/scim') ? 'application/scim+json' : 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) }
  }
}

function expectOk(result: { status: number; body: unknown }, what: string): unknown {
  if (result.status >= 300) throw new RolecallError(`demo: ${what} failed with ${result.status}: ${JSON.stringify(result.body)}`)
  return result.body
}

/** Okta's create flow: look the user up by userName, then POST the whole user. */
async function oktaCreateUser(http: Http, token: string, login: string): Promise<string> {
  const userName = `${login}@acme.example`
  const filter = encodeURIComponent(`userName eq "${userName}"`)
  const found = expectOk(await http('GET', `/scim/v2/Users?filter=${filter}&startIndex=1&count=100`, token), 'user lookup') as { totalResults: number; Resources: { id: string }[] }
  if (found.totalResults > 0 && found.Resources[0] !== undefined) return found.Resources[0].id
  const [given = login, family = 'Example'] = login.split('.')
  const created = expectOk(
    await http('POST', '/scim/v2/Users', token, {
      schemas: [userSchema],
      userName,
      name: { givenName: given, familyName: family },
      emails: [{ primary: true, value: userName, type: 'work' }],
      displayName: `${given} ${family}`,
      active: true,
    }),
    `creating ${userName}`,
  ) as { id: string }
  return created.id
}

async function approveAll(plan: Plan): Promise<string[]> {
  return plan.approvals.flatMap((requirement) => {
    const team = requirement.approvers.find((approver) => approver.startsWith('github:'))
    const names = team === undefined ? (requirement.eligible ?? []) : Array.from({ length: requirement.count }, (_, index) => `${team.slice('github:'.length)}:demo-reviewer-${index + 1}`)
    return names
  })
}

/** Run the demo against the access directory `accessDir`; returns the steps to print. */
export async function runDemo(accessDir: string, renderMarkdown: (plan: Plan) => string, renderDrift: (report: DriftReport) => string): Promise<DemoStep[]> {
  const work = await mkdtemp(join(tmpdir(), 'rolecall-demo-'))
  const store = await openStore(storeLocation(join(work, 'demo.db'), work), { use: 'write' })
  // The demo's reviewers are made up: it has no pull request on GitHub for the server to verify them against.
  const { pipeline } = createServerApp({ store, approvals: { trustBranchProtection: true } })
  const { server } = createNodeServer(pipeline, () => undefined)
  const steps: DemoStep[] = []
  try {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const base = `http://127.0.0.1:${port}`
    const http = httpClient(base)
    const scimToken = (await store.createToken('okta')).token
    const planToken = (await store.createAdminToken(['plan'], 'demo-ci')).token
    const applyToken = (await store.createAdminToken(['apply'], 'demo-ci-apply')).token
    steps.push({ title: 'A rolecall server on a temporary store', body: `SCIM base URL ${base}/scim/v2, a SCIM token for the "okta" connection, and admin tokens for plan and apply.` })

    const ids = new Map<string, string>()
    const groupIds = new Map<string, string>()
    for (const [group, logins] of Object.entries(demoDirectory)) {
      for (const login of logins) if (!ids.has(login)) ids.set(login, await oktaCreateUser(http, scimToken, login))
      const created = expectOk(await http('POST', '/scim/v2/Groups', scimToken, { schemas: [groupSchema], displayName: group, members: [] }), `creating group ${group}`) as { id: string }
      groupIds.set(group, created.id)
      expectOk(
        await http('PATCH', `/scim/v2/Groups/${created.id}`, scimToken, { schemas: [patchSchema], Operations: [{ op: 'add', path: 'members', value: logins.map((login) => ({ value: ids.get(login) })) }] }),
        `adding members to ${group}`,
      )
    }
    steps.push({
      title: 'Okta provisions people and groups over SCIM',
      body: `${ids.size} users and ${groupIds.size} groups, with the requests Okta sends (lookup by userName, POST /Users, POST /Groups, PATCH members). "all-staff" is mapped by no YAML: it grants nothing.`,
    })

    const documents = async (dir: string) => {
      const loaded = await loadAccessDir(dir, { cwd: work, now: new Date() })
      if (loaded.diagnostics.some((diagnostic) => diagnostic.severity === 'error')) throw new RolecallError(`demo: ${dir} does not validate; run rolecall validate`)
      return stateDocuments(loaded.state)
    }
    const first = expectOk(await http('POST', '/api/v1/plans', planToken, { documents: await documents(accessDir) }), 'first plan') as Plan
    const applied = expectOk(await http('POST', '/api/v1/apply', applyToken, { plan: first, approvedBy: await approveAll(first), revision: 'demo-1', author: 'demo' }), 'first apply') as { revision: { id: string } }
    steps.push({ title: 'The example access/ is applied', body: `${first.changes.length} documents, ${first.access.length} access grants to ${first.summary.users} people, applied as ${applied.revision.id}.` })

    // A pull request: Support Tier 2 asks to edit production auth configs.
    const changed = join(work, 'access')
    await cp(accessDir, changed, { recursive: true })
    const supportFile = join(changed, 'support', 'groups.yaml')
    const support = await readFile(supportFile, 'utf8')
    await writeFile(supportFile, support.replace('  - action: read\n    resource: auth-config:*/*', '  - action: [read, edit]\n    resource: auth-config:*/*'))
    const review = expectOk(await http('POST', '/api/v1/plans', planToken, { documents: await documents(changed) }), 'review plan') as Plan
    steps.push({ title: 'A pull request lets Support Tier 2 edit production auth configs: the comment CI posts', body: renderMarkdown(review) })

    // Meanwhile, someone adds a person to security-admins in Okta, outside review.
    expectOk(
      await http('PATCH', `/scim/v2/Groups/${groupIds.get('security-admins') ?? ''}`, scimToken, { schemas: [patchSchema], Operations: [{ op: 'add', path: 'members', value: [{ value: ids.get('morgan.intern') }] }] }),
      'adding morgan to security-admins',
    )
    const drift = expectOk(await http('POST', '/api/v1/drift', planToken, {}), 'drift') as DriftReport
    steps.push({ title: 'Okta adds morgan.intern to security-admins, outside review: held until a reviewed apply (rolecall drift)', body: renderDrift(drift) })
    return steps
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await store.close()
    await rm(work, { recursive: true, force: true })
  }
}
