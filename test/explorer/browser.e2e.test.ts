// The explorer in a real browser: Debian's Chromium against `rolecall serve` on an ephemeral port, the example
// organization provisioned over SCIM and applied with the CLI. Every page visited is checked with axe-core.
// ROLECALL_SCREENSHOT=path saves a screenshot of a person's page there (npm run screenshot).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exampleApprovals } from '../helpers/apply-example.js'
import { launchChromium, seriousViolations } from '../helpers/browser.js'
import { markupName } from '../helpers/example-org.js'
import { addMembers, provisionGroup, provisionUser } from '../helpers/provision.js'
import type { ScimClient } from '../helpers/scim.js'
import { runCli, startServer, type RunningServer } from '../helpers/serve.js'
import { openTestStore, testDbLocation } from '../helpers/test-store.js'

let dir: string
let server: RunningServer
let browser: { context: BrowserContext; close: () => Promise<void> }
let viewToken: string
let checkToken: string
const visited = new Map<string, Awaited<ReturnType<typeof seriousViolations>>>()

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rolecall-explorer-e2e-'))
  const db = await testDbLocation()
  const store = await openTestStore(db)
  const { token: scimToken } = await store.createToken('okta')
  viewToken = (await store.createAdminToken(['view'], 'auditor')).token
  checkToken = (await store.createAdminToken(['check'])).token
  await store.close()
  server = await startServer(db)
  const client: ScimClient = {
    token: scimToken,
    request: async (method, path, body) => {
      const response = await fetch(`${server.url}/scim/v2${path}`, { method, headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
      const text = await response.text()
      return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) }
    },
  }
  const sasha = await provisionUser(client, 'sasha@acme.example')
  const sam = await provisionUser(client, 'sam@acme.example')
  const casey = await provisionUser(client, 'casey@acme.example')
  const dana = await provisionUser(client, 'dana@acme.example')
  const mallory = await client.request('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'mallory@acme.example', displayName: markupName, active: true })
  await provisionGroup(client, 'security-admins', [sasha, sam])
  const support = await provisionGroup(client, 'support-tier-2', [casey])
  await addMembers(client, support, [mallory.body.id as string])
  await provisionGroup(client, 'checkout-team', [dana])
  const applied = runCli(['apply', '--dir', 'access', '--db', db, ...exampleApprovals.flatMap((name) => ['--approved-by', name]), '--revision', 'a1b2c3d4e5f6', '--author', 'ann'])
  if (applied.status !== 0) throw new Error(`apply failed: ${applied.stderr}`)
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  server?.child.kill('SIGTERM')
  await server?.exited
  rmSync(dir, { recursive: true, force: true })
})

/** Checks the page as it is now with axe-core, once per path. */
async function audit(page: Page): Promise<void> {
  const path = new URL(page.url()).pathname
  if (!visited.has(path)) visited.set(path, await seriousViolations(page))
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.goto(`${server.url}/`)
  await page.getByLabel('Admin token').fill(token)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

describe('explorer in Chromium', () => {
  it('refuses a check-only token at sign-in', async () => {
    const page = await browser.context.newPage()
    await signIn(page, checkToken)
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('lacks the "view" scope')
    expect(new URL(page.url()).pathname).toBe('/sign-in')
    await audit(page)
    await page.close()
  })

  it('signs in, finds a person, opens their access and a chain, asks who can, opens a revision, filters the audit log, and signs out', async () => {
    const page = await browser.context.newPage()
    await signIn(page, viewToken)
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor()
    expect(await page.textContent('header.site')).toContain('Signed in as auditor')
    await audit(page)

    await page.getByRole('link', { name: 'People', exact: true }).click()
    await page.getByLabel('Search by userName, name or email').fill('sasha')
    await page.getByRole('button', { name: 'Search' }).click()
    await audit(page)
    await page.getByRole('link', { name: 'sasha@acme.example' }).click()
    await page.getByRole('heading', { name: 'sasha@acme.example through okta', level: 1 }).waitFor()
    if (process.env['ROLECALL_SCREENSHOT'] !== undefined) await page.screenshot({ path: process.env['ROLECALL_SCREENSHOT'], fullPage: false })
    await audit(page)
    await page.getByRole('link', { name: /→ sso:manage$/ }).click()
    expect(new URL(page.url()).hash).toMatch(/^#chain-\d+$/)
    const chain = page.locator(new URL(page.url()).hash)
    expect(await chain.locator('svg.chain-diagram rect').count()).toBe(3)
    expect(await chain.textContent()).toContain('declared in access/security/groups.yaml')

    await page.getByRole('link', { name: 'Who can' }).click()
    await page.getByLabel('Permission').fill('sso:manage')
    await page.getByRole('button', { name: 'Ask' }).click()
    await expect.poll(() => page.textContent('main')).toContain('4 people can (applied revision r1)')
    expect(await page.getByRole('link', { name: 'sam@acme.example' }).count()).toBe(1)
    await audit(page)

    await page.getByRole('link', { name: 'Changes' }).click()
    await audit(page)
    await page.getByRole('link', { name: 'r1', exact: true }).click()
    await page.getByRole('heading', { name: 'Applied revision r1' }).waitFor()
    expect(await page.textContent('main')).toContain('a1b2c3d4e5f6')
    expect(await page.getByRole('row', { name: /sasha@acme\.example gained sso:manage/ }).count()).toBe(1)
    await audit(page)

    await page.getByRole('link', { name: 'Audit log' }).click()
    await page.getByLabel('Action').fill('user.create')
    await page.getByRole('button', { name: 'Filter' }).click()
    await expect.poll(() => page.textContent('main')).toContain('Download these 5 entries as JSON lines')
    expect(await page.locator('tbody tr').count()).toBe(5)
    await audit(page)

    for (const link of ['Groups', 'Services', 'Connections']) {
      await page.getByRole('link', { name: link, exact: true }).click()
      await audit(page)
    }

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    await page.goto(`${server.url}/people`)
    expect(new URL(page.url()).pathname).toBe('/sign-in')
    await page.close()
  })

  it('shows a name that is markup as text, and runs no script of it', async () => {
    const page = await browser.context.newPage()
    const dialogs: string[] = []
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message())
      void dialog.dismiss()
    })
    await signIn(page, viewToken)
    await page.goto(`${server.url}/people?q=mallory`)
    expect(await page.locator('tbody td').nth(1).textContent()).toBe(markupName)
    expect(await page.locator('main img').count()).toBe(0)
    await page.goto(`${server.url}/no-such-page`)
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Page not found')
    await audit(page)
    expect(dialogs).toEqual([])
    await page.close()
  })

  it('has no serious or critical accessibility violations on any page visited', () => {
    expect(visited.size).toBeGreaterThanOrEqual(10)
    expect(Object.fromEntries([...visited].filter(([, violations]) => violations.length > 0))).toEqual({})
  })
})
