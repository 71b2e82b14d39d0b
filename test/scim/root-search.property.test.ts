// Property tests (fast-check, fixed seed) of POST /.search at the root against /Users and /Groups on one directory:
// a generated filter selects what the two per-type searches select, with what a type lacks made false; sorted
// pages put together are the whole sorted result.
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { aUser, groupSchemaUrn, scimFixture, type Json, type ScimClient } from '../helpers/scim.js'

const seed = 0x5eed_0fc5

type Kind = 'both' | 'User' | 'Group'
type Leaf = { attr: string; kind: Kind; ops: string[]; values: string[] }
type Tree = { leaf: Leaf; op: string; value: string } | { not: Tree } | { and: [Tree, Tree] } | { or: [Tree, Tree] }

let client: ScimClient
let userIds: string[] = []

/** Users and groups whose attributes overlap: some share a displayName, some have none, one group is empty. */
beforeAll(async () => {
  const fixture = await scimFixture()
  client = fixture.client
  const users: Json[] = [
    aUser('ann@acme.example', { displayName: 'Ann', externalId: 'E1', title: 'CTO' }),
    aUser('bob@acme.example', { displayName: 'ops' }),
    aUser('cy@acme.example', { externalId: 'e1' }),
    aUser('dee@beta.example', { displayName: 'Dee', title: 'cto' }),
    aUser('eve@beta.example'),
  ]
  for (const user of users) userIds.push((await client.request('POST', '/Users', user)).body.id)
  const groups: Json[] = [
    { displayName: 'ops', externalId: 'E1', members: [{ value: userIds[0] }, { value: userIds[1] }] },
    { displayName: 'Admins', members: [{ value: userIds[3] }] },
    { displayName: 'dee', externalId: 'g2' },
    { displayName: 'Builders', members: userIds.map((value) => ({ value })) },
  ]
  for (const group of groups) expect((await client.request('POST', '/Groups', { schemas: [groupSchemaUrn], ...group })).status).toBe(201)
})

const leaves = (): Leaf[] => [
  { attr: 'displayName', kind: 'both', ops: ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'pr'], values: ['ops', 'Ann', 'dee', 'a', 'D', 'x'] },
  { attr: 'externalId', kind: 'both', ops: ['eq', 'ne', 'sw', 'pr'], values: ['E1', 'e1', 'g2', 'E'] },
  { attr: 'userName', kind: 'User', ops: ['eq', 'ne', 'sw', 'ew', 'co', 'pr'], values: ['ann@acme.example', 'beta.example', 'b', 'x'] },
  { attr: 'title', kind: 'User', ops: ['eq', 'ne', 'pr'], values: ['CTO', 'cfo'] },
  { attr: 'emails.value', kind: 'User', ops: ['co', 'ew'], values: ['acme', '@beta.example'] },
  { attr: 'members.value', kind: 'Group', ops: ['eq', 'ne'], values: userIds.slice(0, 4) },
  { attr: 'members', kind: 'Group', ops: ['pr'], values: [''] },
  { attr: 'meta.resourceType', kind: 'both', ops: ['eq', 'ne'], values: ['User', 'Group'] },
]

function treeArbitrary(): fc.Arbitrary<Tree> {
  const leaf = fc.constantFrom(...leaves()).chain((chosen) =>
    fc.record({ leaf: fc.constant(chosen), op: fc.constantFrom(...chosen.ops), value: fc.constantFrom(...chosen.values) }),
  )
  const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.record({ not: tie('tree') }),
      fc.record({ and: fc.tuple(tie('tree'), tie('tree')) }),
      fc.record({ or: fc.tuple(tie('tree'), tie('tree')) }),
    ),
  }))
  return tree
}

/**
 * The filter as text. For `type`, a comparison on an attribute that type lacks is written as one that holds for no
 * resource (RFC 7644 §3.4.2.2: it compares false), which /Users and /Groups accept; without a type, as it is.
 */
function render(tree: Tree, type?: 'User' | 'Group'): string {
  if ('leaf' in tree) {
    if (type !== undefined && tree.leaf.kind !== 'both' && tree.leaf.kind !== type) return 'id eq "no such id"'
    return tree.op === 'pr' ? `${tree.leaf.attr} pr` : `${tree.leaf.attr} ${tree.op} ${JSON.stringify(tree.value)}`
  }
  if ('not' in tree) return `not (${render(tree.not, type)})`
  if ('and' in tree) return `(${render(tree.and[0], type)}) and (${render(tree.and[1], type)})`
  return `(${render(tree.or[0], type)}) or (${render(tree.or[1], type)})`
}

async function ids(method: string, path: string, body?: Json): Promise<{ ids: string[]; total: number }> {
  const response = await client.request(method, path, body)
  expect(response.status, `${path} ${JSON.stringify(body)}: ${JSON.stringify(response.body)}`).toBe(200)
  return { ids: (response.body.Resources as Json[]).map((resource) => resource.id as string), total: response.body.totalResults }
}

describe('POST /.search at the root, generated', () => {
  it('selects what /Users and /Groups select, users first, with what a type lacks compared as false', async () => {
    await fc.assert(
      fc.asyncProperty(treeArbitrary(), async (tree) => {
        const users = await ids('GET', `/Users?count=1000&filter=${encodeURIComponent(render(tree, 'User'))}`)
        const groups = await ids('GET', `/Groups?count=1000&excludedAttributes=members&filter=${encodeURIComponent(render(tree, 'Group'))}`)
        const root = await ids('POST', '/.search', { filter: render(tree), count: 1000, attributes: 'id' })
        expect(root.ids, render(tree)).toEqual([...users.ids, ...groups.ids])
        expect(root.total).toBe(users.total + groups.total)
      }),
      { seed, numRuns: 150 },
    )
  })

  it('pages of any size, put together, are the whole result sorted across types, those without the key last', async () => {
    const all = (await client.request('POST', '/.search', { count: 1000 })).body.Resources as Json[]
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('displayName', 'externalId', 'userName'), fc.boolean(), fc.integer({ min: 1, max: 4 }), async (sortBy, descending, size) => {
        // The oracle: the key as the attribute's case rule reads it (externalId is caseExact), absent keys last,
        // then users before groups, each in creation order (the order of `all`).
        const key = (resource: Json): string | undefined => {
          const value = resource[sortBy] as string | undefined
          return value === undefined || sortBy === 'externalId' ? value : value.toLowerCase()
        }
        const expected = all
          .map((resource, index) => ({ resource, index, key: key(resource) }))
          .sort((a, b) => {
            if (a.key !== b.key) {
              if (a.key === undefined) return 1
              if (b.key === undefined) return -1
              return (a.key < b.key ? -1 : 1) * (descending ? -1 : 1)
            }
            return a.index - b.index
          })
          .map((entry) => entry.resource.id as string)
        const pages: string[] = []
        for (let startIndex = 1; startIndex <= all.length + 1; startIndex += size) {
          const page = await ids('POST', '/.search', { sortBy, sortOrder: descending ? 'descending' : 'ascending', startIndex, count: size, attributes: 'id' })
          expect(page.total).toBe(all.length)
          pages.push(...page.ids)
        }
        expect(pages, `${sortBy} ${descending ? 'descending' : 'ascending'} by ${size}`).toEqual(expected)
      }),
      { seed, numRuns: 60 },
    )
  })
})
