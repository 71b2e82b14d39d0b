// The explorer's People search: every connection at once, by userName, name or email, case-insensitively, paged.
import { describe, expect, it } from 'vitest'
import type { Contract } from './harness.js'
import { entra, namesOf, okta } from './fixtures.js'

export function peopleSearch({ seeded }: Contract): void {
  describe('people search across connections', () => {
    const seed = seeded(async ({ store }) => {
      await store.createUser('okta', { userName: 'ann@acme.example', name: { formatted: 'Ann Archer' }, emails: [{ value: 'ann@acme.example' }] }, okta)
      await store.createUser('okta', { userName: 'Bob@acme.example', displayName: 'Robert Stone', emails: [{ value: 'rob.stone@private.example', type: 'home' }] }, okta)
      await store.createUser('entra', { userName: 'ann@acme.example', displayName: 'Ann (Entra)' }, entra)
      await store.createUser('entra', { userName: 'cy_100%@acme.example', emails: 'not a list' }, entra)
      await store.createUser('okta', { userName: 'dee@other.example', title: 'ann' }, okta)
    })
    const find = async (text: string, offset = 0, limit = 50) => {
      const result = await seed().fixture.store.findPeople(text, { offset, limit })
      return { total: result.total, people: result.items.map((user) => `${user.connection}:${String(user.doc['userName'])}`) }
    }

    it('lists everyone by userName (ignoring case), then connection, for blank text', async () => {
      expect(await find('  ')).toEqual({ total: 5, people: ['entra:ann@acme.example', 'okta:ann@acme.example', 'okta:Bob@acme.example', 'entra:cy_100%@acme.example', 'okta:dee@other.example'] })
    })

    it.each([
      ['ANN@', 2, ['entra:ann@acme.example', 'okta:ann@acme.example']],
      ['archer', 1, ['okta:ann@acme.example']],
      ['robert', 1, ['okta:Bob@acme.example']],
      ['private.example', 1, ['okta:Bob@acme.example']],
      ['home', 0, []],
      ['100%', 1, ['entra:cy_100%@acme.example']],
      ['y_1', 1, ['entra:cy_100%@acme.example']],
      ['%', 1, ['entra:cy_100%@acme.example']],
      ['nobody', 0, []],
    ])('finds %j in userName, displayName, name.formatted or an email, nowhere else, wildcards as text', async (text, total, people) => {
      expect(await find(text)).toEqual({ total, people })
    })

    it('pages with the total of all matches', async () => {
      expect(await find('', 1, 2)).toEqual({ total: 5, people: ['okta:ann@acme.example', 'okta:Bob@acme.example'] })
      expect(await find('', 4, 2)).toEqual({ total: 5, people: ['okta:dee@other.example'] })
      expect(await find('', 10, 2)).toEqual({ total: 5, people: [] })
      expect(namesOf((await seed().fixture.store.findPeople('', { offset: 0, limit: 1000 })).items)).toHaveLength(5)
    })
  })
}
