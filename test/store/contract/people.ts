// The explorer's People search: every connection at once, by userName, name or email, case-insensitively, paged.
import { describe, expect, it } from 'vitest'
import { sparseMatches } from '../../../src/store/people-search.js'
import type { Contract } from './harness.js'
import { entra, namesOf, okta } from './fixtures.js'

export function peopleSearch({ seeded, fresh }: Contract): void {
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

    it.each([
      // Two characters: too short for the trigram index, found by testing each user in userName order.
      ['an', 2, ['entra:ann@acme.example', 'okta:ann@acme.example']],
      ['ob', 1, ['okta:Bob@acme.example']],
    ])('finds %j, too short for the index, as longer text is found', async (text, total, people) => {
      expect(await find(text)).toEqual({ total, people })
    })

    it('pages with the total of all matches', async () => {
      expect(await find('', 1, 2)).toEqual({ total: 5, people: ['okta:ann@acme.example', 'okta:Bob@acme.example'] })
      expect(await find('', 4, 2)).toEqual({ total: 5, people: ['okta:dee@other.example'] })
      expect(await find('', 10, 2)).toEqual({ total: 5, people: [] })
      expect(namesOf((await seed().fixture.store.findPeople('', { offset: 0, limit: 1000 })).items)).toHaveLength(5)
      expect(await find('acme', 1, 1)).toEqual({ total: 4, people: ['okta:ann@acme.example'] })
      expect(await find('ac', 2, 5)).toEqual({ total: 4, people: ['okta:Bob@acme.example', 'entra:cy_100%@acme.example'] })
    })

    it('finds the same people, in the same order, whether its matches are few or more than the index reads (sparseMatches)', async () => {
      const { store } = await fresh()
      for (let i = 0; i <= sparseMatches; i++) await store.createUser('okta', { userName: `p${String(i).padStart(4, '0')}@many.example`, ...(i % 500 === 7 ? { displayName: 'Rare Few' } : {}) }, okta)
      const page = async (text: string, offset: number) => {
        const result = await store.findPeople(text, { offset, limit: 3 })
        return { total: result.total, people: result.items.map((user) => String(user.doc['userName'])) }
      }
      // More matches than the index reads: userName order walked.
      expect(await page('many.example', 1000)).toEqual({ total: sparseMatches + 1, people: ['p1000@many.example', 'p1001@many.example', 'p1002@many.example'] })
      // Few: read through the index and sorted.
      expect(await page('rare few', 1)).toEqual({ total: 4, people: ['p0507@many.example', 'p1007@many.example', 'p1507@many.example'] })
    })

    it('follows every write: a new name is found and the old one no longer, a deleted user nowhere, control characters ignored', async () => {
      const { store } = await fresh()
      const names = async (text: string) => (await store.findPeople(text, { offset: 0, limit: 50 })).items.map((user) => String(user.doc['userName']))
      const zoe = await store.createUser('okta', { userName: 'zoe@acme.example', displayName: 'Zoe Quill', emails: [{ value: 'zq@home.example' }] }, okta)
      expect(await names('quill')).toEqual(['zoe@acme.example'])
      await store.replaceUser('okta', zoe.id, { userName: 'zoe@acme.example', displayName: 'Zoe Vance', emails: [{ value: 'zv@home.example' }] }, okta)
      expect(await names('quill')).toEqual([])
      expect(await names('zq@')).toEqual([])
      expect(await names('vance')).toEqual(['zoe@acme.example'])
      expect(await names('zv@home')).toEqual(['zoe@acme.example'])
      await store.modifyUser('okta', zoe.id, (current) => ({ ...current.doc, userName: 'zoe.v@acme.example', name: { formatted: 'Zoë Vance-Okafor' } }), okta)
      expect(await names('zoe@')).toEqual([])
      expect(await names('zoe.v')).toEqual(['zoe.v@acme.example'])
      expect(await names('ZOË VANCE-OK')).toEqual(['zoe.v@acme.example'])
      // A line break cannot join the end of one value to the start of the next.
      expect(await names('zoe.v\n')).toEqual(['zoe.v@acme.example'])
      expect(await names('example\nzoe')).toEqual([])
      await store.deleteUser('okta', zoe.id, okta)
      expect(await names('vance')).toEqual([])
      expect((await store.findPeople('', { offset: 0, limit: 50 })).total).toBe(0)
    })
  })
}
