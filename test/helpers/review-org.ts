// The example organization in a real SQLite file: Okta provisions a few people over SCIM, then access/ is applied.
import { cp, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createScimApp } from '../../src/scim/app.js'
import { openStore } from '../../src/store/open-store.js'
import { storeLocation } from '../../src/store/location.js'
import { applyExampleAccess } from './apply-example.js'
import { repoRoot } from './cli.js'
import { provisionGroup, provisionUser } from './provision.js'
import type { ScimClient } from './scim.js'

export type ReviewOrg = { cwd: string; db: string; ids: Record<string, string>; groups: Record<string, string> }

/** IdP group → its members (Okta). */
export const reviewOrgMembers: Record<string, string[]> = {
  'security-admins': ['sasha@acme.example', 'sam@acme.example'],
  'security-auditors': ['avery@acme.example'],
  'checkout-team': ['casey@acme.example', 'cory@acme.example'],
  'support-tier-2': ['sam@acme.example', 'tess@acme.example'],
}

/** A working directory holding a copy of access/ and a store at data.db with the example applied. */
export async function reviewOrg(): Promise<ReviewOrg> {
  const cwd = await mkdtemp(join(tmpdir(), 'rolecall-review-'))
  await cp(join(repoRoot, 'access'), join(cwd, 'access'), { recursive: true })
  const db = join(cwd, 'data.db')
  const store = await openStore(storeLocation(db, cwd), { use: 'write' })
  try {
    const app = createScimApp({ store })
    const { token } = await store.createToken('okta')
    const client: ScimClient = {
      token,
      request: async (method, path, body) => {
        const response = await app.request(`http://localhost/scim/v2${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
        const text = await response.text()
        return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) }
      },
    }
    const ids: Record<string, string> = {}
    for (const name of [...new Set(Object.values(reviewOrgMembers).flat())].sort()) ids[name] = await provisionUser(client, name)
    const groups: Record<string, string> = {}
    for (const [group, members] of Object.entries(reviewOrgMembers))
      groups[group] = await provisionGroup(
        client,
        group,
        members.map((name) => ids[name] ?? ''),
      )
    await applyExampleAccess(store, join(cwd, 'access'))
    return { cwd, db, ids, groups }
  } finally {
    await store.close()
  }
}
