// Users and groups searched together (RFC 7644 §3.4.3): one filter, one sort and one page across both types.
import { describe, expect, it } from 'vitest'
import type { ListParams } from '../../../src/scim/http.js'
import { rootSearch } from '../../../src/scim/root-search.js'
import type { SearchHit } from '../../../src/store/store.js'
import type { Contract } from './harness.js'
import { directory } from './queries.js'

/** Each hit as `User:userName` or `Group:displayName`. */
function hitNames(hits: readonly SearchHit[]): string[] {
  return hits.map((hit) => (hit.resourceType === 'User' ? `User:${String(hit.user.doc['userName'])}` : `Group:${String(hit.group.doc['displayName'])}`))
}

const noLinks = { withGroups: false, withMembers: false }

export function rootSearches({ seeded }: Contract): void {
  describe('search across users and groups', () => {
    const seed = seeded(({ store, clock }) => directory(store, clock))
    const search = async (params: ListParams, connection = 'okta') => {
      const result = await seed().fixture.store.searchResources(connection, rootSearch({ count: '100', ...params }), noLinks)
      return { total: result.total, names: hitNames(result.items) }
    }

    it.each([
      [{}, 7, ['User:ann@acme.example', 'User:Bob@acme.example', 'User:cy@acme.example', 'User:dee@other.example', 'Group:admins', 'Group:builders', 'Group:Empty']],
      [{ startIndex: '4', count: '2' }, 7, ['User:dee@other.example', 'Group:admins']],
      [{ startIndex: '8' }, 7, []],
      [{ count: '0' }, 7, []],
      [{ filter: 'userName sw "c"' }, 1, ['User:cy@acme.example']],
      [{ filter: 'displayName sw "a"' }, 2, ['User:Bob@acme.example', 'Group:admins']],
      [{ filter: 'externalId pr', count: '1' }, 3, ['User:ann@acme.example']],
      // Ignoring case, across both types; what has no displayName after, users first, each in creation order.
      [
        { sortBy: 'displayName' },
        7,
        ['Group:admins', 'User:Bob@acme.example', 'Group:builders', 'Group:Empty', 'User:ann@acme.example', 'User:cy@acme.example', 'User:dee@other.example'],
      ],
      [{ sortBy: 'displayName', sortOrder: 'descending', count: '3' }, 7, ['User:ann@acme.example', 'Group:Empty', 'Group:builders']],
      [{ sortBy: 'userName', count: '3', startIndex: '3' }, 7, ['User:cy@acme.example', 'User:dee@other.example', 'Group:admins']],
    ])('answers %j with the total and the page across both types', async (params, total, names) => {
      expect(await search(params)).toEqual({ total, names })
    })

    it('searches only the connection asked for', async () => {
      expect(await search({}, 'entra')).toEqual({ total: 2, names: ['User:ann@acme.example', 'Group:admins'] })
    })

    it('returns users with their groups and groups with their members only when asked', async () => {
      const { ann, admins, fixture } = seed()
      const filtered = rootSearch({ filter: 'displayName eq "admins" or userName eq "ann@acme.example"' })
      const linked = await fixture.store.searchResources('okta', filtered, { withGroups: true, withMembers: true })
      expect(linked.items).toEqual([
        { resourceType: 'User', user: { ...ann, groups: [{ value: admins.id, display: 'admins' }] } },
        { resourceType: 'Group', group: { ...admins, members: [{ value: ann.id, display: 'Zed Ann' }] } },
      ])
      const bare = await fixture.store.searchResources('okta', filtered, noLinks)
      const { members: _members, ...adminsAlone } = admins
      expect(bare.items).toEqual([
        { resourceType: 'User', user: ann },
        { resourceType: 'Group', group: adminsAlone },
      ])
    })
  })
}
