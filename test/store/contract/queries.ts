// Lists of users and groups: SCIM filters (RFC 7644 §3.4.2.2), sorting (§3.4.2.3) and paging (§3.4.2.4), per connection.
import { describe, expect, it } from 'vitest'
import type { ListParams } from '../../../src/scim/http.js'
import type { Store } from '../../../src/store/store.js'
import type { Contract } from './harness.js'
import { entra, groupQuery, namesOf, okta, userQuery } from './fixtures.js'

const enterprise = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

/**
 * Okta: ann, Bob and cy at 09:00, dee at 10:00 (creation order); the groups admins (ann), builders (Bob, cy) and
 * Empty. Entra: its own ann@acme.example and admins, never listed for Okta.
 */
export async function directory(store: Store, clock: { set: (iso: string) => void }) {
  const ann = await store.createUser(
    'okta',
    {
      userName: 'ann@acme.example',
      externalId: 'A-1',
      displayName: 'Zed Ann',
      title: 'CTO',
      active: true,
      emails: [
        { value: 'ann@acme.example', type: 'work', primary: true },
        { value: 'ann@home.example', type: 'home' },
      ],
      [enterprise]: { department: 'R&D' },
    },
    okta,
  )
  const bob = await store.createUser('okta', { userName: 'Bob@acme.example', externalId: 'b-2', displayName: 'Alpha Bob', active: false, emails: [{ value: 'bob@acme.example', type: 'work' }] }, okta)
  const cy = await store.createUser('okta', { userName: 'cy@acme.example', active: true, emails: [{ value: 'cy@acme.example', type: 'work' }] }, okta)
  clock.set('2026-03-02T10:00:00.000Z')
  const dee = await store.createUser('okta', { userName: 'dee@other.example', title: 'cto', active: true }, okta)
  const admins = await store.createGroup('okta', { displayName: 'admins', externalId: 'G-1' }, [ann.id], okta)
  const builders = await store.createGroup('okta', { displayName: 'builders' }, [bob.id, cy.id], okta)
  await store.createGroup('okta', { displayName: 'Empty' }, [], okta)
  const entraAnn = await store.createUser('entra', { userName: 'ann@acme.example', title: 'CTO' }, entra)
  await store.createGroup('entra', { displayName: 'admins' }, [entraAnn.id], entra)
  return { ann, bob, cy, dee, admins, builders }
}

const all = ['ann@acme.example', 'Bob@acme.example', 'cy@acme.example', 'dee@other.example']

export function queries({ seeded }: Contract): void {
  describe('filters, sorting and paging', () => {
    const seed = seeded(({ store, clock }) => directory(store, clock))
    const listUsers = async (params: ListParams) => {
      const { fixture } = seed()
      const result = await fixture.store.listUsers('okta', userQuery({ count: '100', ...params }), false)
      return { total: result.total, names: namesOf(result.items) }
    }
    const listGroups = async (params: ListParams) => {
      const result = await seed().fixture.store.listGroups('okta', groupQuery({ count: '100', ...params }), false)
      return { total: result.total, names: namesOf(result.items) }
    }

    it.each([
      ['', all],
      ['userName eq "ANN@Acme.Example"', ['ann@acme.example']],
      ['userName ne "cy@acme.example"', ['ann@acme.example', 'Bob@acme.example', 'dee@other.example']],
      ['userName sw "b"', ['Bob@acme.example']],
      ['userName ew ".EXAMPLE"', all],
      ['userName co "@acme"', ['ann@acme.example', 'Bob@acme.example', 'cy@acme.example']],
      ['userName gt "bob@acme.example"', ['cy@acme.example', 'dee@other.example']],
      ['userName le "bob@acme.example"', ['ann@acme.example', 'Bob@acme.example']],
      ['externalId eq "a-1"', []],
      ['externalId eq "A-1"', ['ann@acme.example']],
      ['title eq "cto"', ['ann@acme.example', 'dee@other.example']],
      ['title pr', ['ann@acme.example', 'dee@other.example']],
      ['not (title pr)', ['Bob@acme.example', 'cy@acme.example']],
      ['displayName gt "b"', ['ann@acme.example']],
      ['active eq false', ['Bob@acme.example']],
      ['active eq true and title eq "CTO"', ['ann@acme.example', 'dee@other.example']],
      ['userName sw "a" or userName sw "c"', ['ann@acme.example', 'cy@acme.example']],
      ['emails[type eq "home"].value co "home"', ['ann@acme.example']],
      ['emails[type eq "work" and value sw "CY"]', ['cy@acme.example']],
      ['emails.value ew "home.example"', ['ann@acme.example']],
      ['emails pr', ['ann@acme.example', 'Bob@acme.example', 'cy@acme.example']],
      [`${enterprise}:department eq "r&d"`, ['ann@acme.example']],
      ['meta.created ge "2026-03-02T10:00:00Z"', ['dee@other.example']],
      ['meta.lastModified lt "2026-03-02T11:30:00+02:00"', ['ann@acme.example', 'Bob@acme.example', 'cy@acme.example']],
    ])('lists the users that match %j, in creation order', async (filter, expected) => {
      expect(await listUsers({ filter })).toEqual({ total: expected.length, names: expected })
    })

    it('finds a user and a group by id, and only in their own connection', async () => {
      const { ann, admins, fixture } = seed()
      expect(await listUsers({ filter: `id eq "${ann.id}"` })).toEqual({ total: 1, names: ['ann@acme.example'] })
      expect(await listGroups({ filter: `id eq "${admins.id}"` })).toEqual({ total: 1, names: ['admins'] })
      expect((await fixture.store.listUsers('entra', userQuery({ filter: `id eq "${ann.id}"` }), false)).total).toBe(0)
      expect(namesOf((await fixture.store.listUsers('entra', userQuery(), false)).items)).toEqual(['ann@acme.example'])
    })

    it.each([
      ['', ['admins', 'builders', 'Empty']],
      ['displayName eq "ADMINS"', ['admins']],
      ['externalId eq "G-1"', ['admins']],
      ['externalId eq "g-1"', []],
      ['members pr', ['admins', 'builders']],
      ['not (members pr)', ['Empty']],
      ['displayName sw "b" or displayName ew "y"', ['builders', 'Empty']],
    ])('lists the groups that match %j, in creation order', async (filter, expected) => {
      expect(await listGroups({ filter })).toEqual({ total: expected.length, names: expected })
    })

    it('finds groups by a member\'s id, and a user by a group\'s', async () => {
      const { bob, builders, fixture } = seed()
      expect(await listGroups({ filter: `members.value eq "${bob.id}"` })).toEqual({ total: 1, names: ['builders'] })
      expect(await listGroups({ filter: `members[value eq "${bob.id}"]` })).toEqual({ total: 1, names: ['builders'] })
      expect(await listUsers({ filter: `groups.value eq "${builders.id}"` })).toEqual({ total: 2, names: ['Bob@acme.example', 'cy@acme.example'] })
      const withMembers = await fixture.store.listGroups('okta', groupQuery({ filter: 'displayName eq "builders"' }), true)
      expect(withMembers.items[0]?.members?.map((member) => member.display)).toEqual(['Alpha Bob', 'cy@acme.example'])
      const withGroups = await fixture.store.listUsers('okta', userQuery({ filter: 'userName eq "bob@acme.example"' }), true)
      expect(withGroups.items[0]?.groups).toEqual([{ value: builders.id, display: 'builders' }])
      const without = await fixture.store.listUsers('okta', userQuery({ filter: 'userName eq "bob@acme.example"' }), false)
      expect(without.items[0]).not.toHaveProperty('groups')
    })

    it.each([
      ['userName', 'ascending', all],
      ['userName', 'descending', [...all].reverse()],
      // Ignoring case; users without the attribute last either way, in creation order.
      ['displayName', 'ascending', ['Bob@acme.example', 'ann@acme.example', 'cy@acme.example', 'dee@other.example']],
      ['displayName', 'descending', ['ann@acme.example', 'Bob@acme.example', 'cy@acme.example', 'dee@other.example']],
      ['title', 'ascending', ['ann@acme.example', 'dee@other.example', 'Bob@acme.example', 'cy@acme.example']],
      ['meta.created', 'descending', ['dee@other.example', 'ann@acme.example', 'Bob@acme.example', 'cy@acme.example']],
      ['emails', 'ascending', ['ann@acme.example', 'Bob@acme.example', 'cy@acme.example', 'dee@other.example']],
    ])('sorts users by %s %s', async (sortBy, sortOrder, expected) => {
      expect(await listUsers({ sortBy, sortOrder })).toEqual({ total: 4, names: expected })
    })

    it('sorts groups by displayName, ignoring case', async () => {
      expect(await listGroups({ sortBy: 'displayName', sortOrder: 'descending' })).toEqual({ total: 3, names: ['Empty', 'builders', 'admins'] })
    })

    it.each([
      [{ startIndex: '1', count: '2' }, 4, ['ann@acme.example', 'Bob@acme.example']],
      [{ startIndex: '3', count: '2' }, 4, ['cy@acme.example', 'dee@other.example']],
      [{ startIndex: '4', count: '10' }, 4, ['dee@other.example']],
      [{ startIndex: '9', count: '10' }, 4, []],
      [{ startIndex: '1', count: '0' }, 4, []],
      [{ startIndex: '2', count: '0' }, 4, []],
      [{ filter: 'userName co "acme"', startIndex: '2', count: '1' }, 3, ['Bob@acme.example']],
      [{ filter: 'userName eq "ann@acme.example"', startIndex: '2', count: '1' }, 1, []],
      [{ sortBy: 'userName', sortOrder: 'descending', startIndex: '2', count: '2' }, 4, ['cy@acme.example', 'Bob@acme.example']],
    ])('pages %j: the total of all matches and that page', async (params, total, expected) => {
      expect(await listUsers(params)).toEqual({ total, names: expected })
    })
  })

  describe('filters and sorting on values that are special to SQL or to case', () => {
    const names = ['50%@x.example', '5_0@x.example', 'back\\slash@x.example', 'Éva@x.example', 'straße@x.example', 'strasse@x.example', '😀@x.example', 'Ａda@x.example', 'ada@x.example']
    const seed = seeded(async ({ store }) => {
      for (const userName of names) await store.createUser('okta', { userName, title: userName.startsWith('5') ? 'say "hi"' : 'plain' }, okta)
      return {}
    })
    const matching = async (filter: string) => namesOf((await seed().fixture.store.listUsers('okta', userQuery({ filter, count: '100' }), false)).items)

    it.each([
      ['userName co "%"', ['50%@x.example']],
      ['userName sw "5_"', ['5_0@x.example']],
      ['userName co "_"', ['5_0@x.example']],
      ['userName co "\\\\"', ['back\\slash@x.example']],
      ['userName eq "éva@x.example"', ['Éva@x.example']],
      ['userName sw "ÉV"', ['Éva@x.example']],
      // Case is folded as String.prototype.toLowerCase folds it: ß is not ss.
      ['userName eq "STRASSE@x.example"', ['strasse@x.example']],
      ['userName eq "STRAßE@x.example"', ['straße@x.example']],
      ['userName sw "😀"', ['😀@x.example']],
      ['userName eq "ａda@x.example"', ['Ａda@x.example']],
      ['title eq "say \\"hi\\""', ['50%@x.example', '5_0@x.example']],
    ])('lists the users that match %j', async (filter, expected) => {
      expect(await matching(filter)).toEqual(expected)
    })

    it('sorts folded userNames by code point (UTF-8 byte order), not by UTF-16 code unit', async () => {
      const result = await seed().fixture.store.listUsers('okta', userQuery({ sortBy: 'userName', count: '100' }), false)
      expect(namesOf(result.items)).toEqual([
        '50%@x.example',
        '5_0@x.example',
        'ada@x.example',
        'back\\slash@x.example',
        'strasse@x.example',
        'straße@x.example',
        'Éva@x.example',
        'Ａda@x.example',
        '😀@x.example',
      ])
    })
  })
}
