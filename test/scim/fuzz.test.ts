// Deterministic garbage at every endpoint: the answer is always a SCIM error or a success, never a 500.
import { describe, expect, it } from 'vitest'
import { aUser, scimFixture } from '../helpers/scim.js'
import { seededRandom } from '../helpers/random.js'

const random = seededRandom

const pieces = [
  'userName', 'emails', 'emails.value', 'name.givenName', 'members', 'members.value', 'meta.created', 'active', 'id', 'externalId', 'groups',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager', 'urn:x:y', 'schemas', 'eq', 'ne', 'co', 'sw', 'pr', 'gt', 'and', 'or', 'not',
  '(', ')', '[', ']', '"x"', '"', '.', 'true', 'null', '42', '-1.5e3', ' ', ',', ':', '$ref', 'value', 'type', '\\', '\u0000', 'é', "'",
]
const values = [null, true, 'False', 'x', 3, -1, [], {}, [{}], [{ value: 'nobody' }], { value: 1 }, { givenName: 7 }, [1, 'a'], { a: { b: { c: [] } } }, '2020-01-01T00:00:00Z']

describe('scim fuzz', () => {
  it('never answers 500', async () => {
    const { request } = await scimFixture()
    const { body: user } = await request('POST', '/Users', aUser('fuzz@example.com'))
    const { body: group } = await request('POST', '/Groups', { displayName: 'fuzz', members: [{ value: user.id }] })
    const next = random(7)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T
    const text = (n: number) => Array.from({ length: 1 + Math.floor(next() * n) }, () => pick(pieces)).join(pick(['', ' ']))
    for (let i = 0; i < 400; i++) {
      const kind = i % 5
      let response
      if (kind === 0) {
        response = await request('GET', `/${pick(['Users', 'Groups'])}?filter=${encodeURIComponent(text(8))}&sortBy=${encodeURIComponent(text(2))}&attributes=${encodeURIComponent(text(2))}`)
      } else if (kind === 1 || kind === 2) {
        const target = pick([`/Users/${user.id}`, `/Groups/${group.id}`])
        const operation: Record<string, unknown> = { op: pick(['add', 'Remove', 'replace', 'REPLACE', 'move', 3]) }
        if (next() < 0.8) operation['path'] = text(6)
        if (next() < 0.8) operation['value'] = next() < 0.3 ? { [text(2)]: pick(values) } : pick(values)
        response = await request('PATCH', target, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [operation] })
      } else if (kind === 3) {
        const body: Record<string, unknown> = { userName: next() < 0.7 ? `u${i}@example.com` : pick(values), displayName: `g${i}` }
        body[text(1)] = pick(values)
        body[text(1)] = pick(values)
        response = await request(pick(['POST', 'PUT']), pick(['/Users', '/Groups', `/Users/${user.id}`, `/Groups/${group.id}`]), body)
      } else {
        response = await request('GET', `/${pick(['Users', 'Groups'])}/${encodeURIComponent(text(1))}?excludedAttributes=${encodeURIComponent(text(3))}&startIndex=${pick(['0', '-5', 'x', '1e9', ''])}&count=${pick(['1', '99999', '-1', 'abc'])}`)
      }
      expect(response.status, `case ${i}: ${JSON.stringify(response.body)}`).toBeLessThan(500)
    }
    // The root search parses everything twice, once per type: the same garbage, its own sequence.
    const nextRoot = random(11)
    const rootText = (n: number) => Array.from({ length: 1 + Math.floor(nextRoot() * n) }, () => pieces[Math.floor(nextRoot() * pieces.length)]).join(nextRoot() < 0.5 ? '' : ' ')
    for (let i = 0; i < 150; i++) {
      const body = { filter: rootText(8), sortBy: nextRoot() < 0.5 ? rootText(2) : undefined, attributes: nextRoot() < 0.5 ? rootText(2) : undefined, excludedAttributes: nextRoot() < 0.3 ? rootText(2) : undefined }
      const response = await request('POST', '/.search', body)
      expect(response.status, `root case ${i}: ${JSON.stringify(body)} ${JSON.stringify(response.body)}`).toBeLessThan(500)
    }
  })
})
