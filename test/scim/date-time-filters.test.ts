import { beforeAll, describe, expect, it } from 'vitest'
import { createScimApp } from '../../src/scim/app.js'
import { parseDateTime } from '../../src/scim/filter/date-time.js'
import { matchesElement } from '../../src/scim/filter/match.js'
import { coerceValue } from '../../src/scim/resource.js'
import { attr } from '../../src/scim/schemas.js'
import type { AttrRef } from '../../src/store/query.js'
import { compileFilter } from '../../src/store/sqlite/filter-sql.js'
import type { Json } from '../helpers/scim.js'
import { aUser } from '../helpers/scim.js'
import { testStore } from '../helpers/test-store.js'

/** A SCIM app whose store clock the test sets, so that meta.created / meta.lastModified are known. */
async function clockedScim(start: string) {
  let now = new Date(start)
  const store = await testStore(() => now)
  const app = createScimApp({ store })
  const { token } = await store.createToken('okta')
  const request = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> => {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' } }
    if (body !== undefined) init.body = JSON.stringify(body)
    const response = await app.request(`http://localhost/scim/v2${path}`, init)
    const text = await response.text()
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) }
  }
  return { request, setNow: (iso: string) => (now = new Date(iso)) }
}

describe('scim filters on dateTime attributes', () => {
  it('finds a user modified at 17:23:16.938Z with the shapes QA sent', async () => {
    const scim = await clockedScim('2026-11-23T17:23:16.938Z')
    expect((await scim.request('POST', '/Users', aUser('dt@acme.com'))).body.meta.lastModified).toBe('2026-11-23T17:23:16.938Z')
    for (const filter of ['userName eq "dt@acme.com" and meta.lastModified gt "2026-11-23T17:23:16Z"', 'meta.lastModified gt "2026-11-23T18:19:44+02:00"']) {
      const response = await scim.request('GET', `/Users?filter=${encodeURIComponent(filter)}`)
      expect(response.status).toBe(200)
      expect(response.body.Resources.map((user: { userName: string }) => user.userName), filter).toEqual(['dt@acme.com'])
    }
  })

  let request: Awaited<ReturnType<typeof clockedScim>>['request']

  beforeAll(async () => {
    const scim = await clockedScim('2026-11-23T17:23:16.938Z')
    request = scim.request
    expect((await request('POST', '/Users', aUser('dt@acme.com'))).status).toBe(201)
    scim.setNow('2026-11-23T17:23:17.000Z')
    expect((await request('POST', '/Users', aUser('later@acme.com'))).status).toBe(201)
    scim.setNow('2026-11-24T09:00:00.000Z')
    const { body } = await request('GET', `/Users?filter=${encodeURIComponent('userName eq "dt@acme.com"')}`)
    // meta.lastModified moves; meta.created stays.
    expect((await request('PATCH', `/Users/${body.Resources[0].id}`, { Operations: [{ op: 'replace', path: 'title', value: 'x' }] })).status).toBe(200)
  })

  async function found(filter: string): Promise<string[]> {
    const response = await request('GET', `/Users?filter=${encodeURIComponent(filter)}&sortBy=userName`)
    expect(response.status, `${filter}: ${JSON.stringify(response.body)}`).toBe(200)
    return response.body.Resources.map((user: { userName: string }) => user.userName)
  }

  it('stores meta times as ISO 8601 UTC with milliseconds', async () => {
    const { body } = await request('GET', `/Users?filter=${encodeURIComponent('userName eq "dt@acme.com"')}`)
    expect(body.Resources[0].meta.created).toBe('2026-11-23T17:23:16.938Z')
    expect(body.Resources[0].meta.lastModified).toBe('2026-11-24T09:00:00.000Z')
  })

  it.each([
    // The QA shapes: no fraction, and an offset.
    ['userName eq "dt@acme.com" and meta.created gt "2026-11-23T17:23:16Z"', ['dt@acme.com']],
    ['meta.lastModified gt "2026-11-23T18:19:44+02:00"', ['dt@acme.com', 'later@acme.com']],
    ['meta.created gt "2026-11-23T18:19:44+02:00"', ['dt@acme.com', 'later@acme.com']],
    // Chronological, not textual: 17:23:16Z is before 17:23:16.938Z, and offsets move the instant.
    ['meta.created gt "2026-11-23T17:23:16.938Z"', ['later@acme.com']],
    ['meta.created ge "2026-11-23T17:23:16.938Z"', ['dt@acme.com', 'later@acme.com']],
    ['meta.created eq "2026-11-23T18:23:16.938+01:00"', ['dt@acme.com']],
    ['meta.created eq "2026-11-23T17:23:16.938Z"', ['dt@acme.com']],
    ['meta.created eq "2026-11-23T17:23:16.93800Z"', ['dt@acme.com']],
    ['meta.created lt "2026-11-23T17:23:17Z"', ['dt@acme.com']],
    ['meta.created le "2026-11-23T12:23:17-05:00"', ['dt@acme.com', 'later@acme.com']],
    ['meta.created ne "2026-11-23T17:23:16.938Z"', ['later@acme.com']],
    ['meta.created lt "2026-11-23T17:23:16Z"', []],
    ['meta.created gt "2026-11-23t17:23:16z"', ['dt@acme.com', 'later@acme.com']],
    // No zone: UTC (not the server's zone).
    ['meta.created gt "2026-11-23T17:23:16.999"', ['later@acme.com']],
    // Finer than the stored milliseconds.
    ['meta.created gt "2026-11-23T17:23:16.9379Z"', ['dt@acme.com', 'later@acme.com']],
    ['meta.created ge "2026-11-23T17:23:16.9381Z"', ['later@acme.com']],
    ['meta.created le "2026-11-23T17:23:16.9381Z"', ['dt@acme.com']],
    ['meta.created lt "2026-11-23T17:23:16.9381Z"', ['dt@acme.com']],
    ['meta.created eq "2026-11-23T17:23:16.9380001Z"', []],
    ['meta.created ne "2026-11-23T17:23:16.9380001Z"', ['dt@acme.com', 'later@acme.com']],
    ['not (meta.created eq "2026-11-23T17:23:16.9380001Z")', ['dt@acme.com', 'later@acme.com']],
    // Incremental sync.
    ['meta.lastModified gt "2026-11-23T17:23:17.000Z"', ['dt@acme.com']],
    ['meta.lastModified gt "2026-11-24T10:00:00+01:00"', []],
    ['meta.lastModified ge "2026-11-24T10:00:00+01:00"', ['dt@acme.com']],
    ['meta.lastModified pr', ['dt@acme.com', 'later@acme.com']],
    ['meta.lastModified eq null', []],
  ])('%s', async (filter, expected) => {
    expect(await found(filter)).toEqual(expected)
  })

  it('answers the same through POST /.search', async () => {
    const response = await request('POST', '/Users/.search', { filter: 'meta.lastModified gt "2026-11-23T18:19:44+02:00"', sortBy: 'userName' })
    expect(response.status).toBe(200)
    expect(response.body.totalResults).toBe(2)
  })

  it.each([
    'meta.lastModified gt "yesterday"',
    'meta.lastModified gt "Nov 23 2026"',
    'meta.lastModified gt "2026-11-23"',
    'meta.lastModified gt "2026"',
    'meta.lastModified gt "2026-02-29T00:00:00Z"',
    'meta.lastModified gt "2026-11-23T24:30:00Z"',
    'meta.lastModified gt "2026-11-23T17:23:60Z"',
    'meta.lastModified gt "2026-11-23T17:23:16+15:00"',
    'meta.lastModified gt "2026-11-23T17:23:16+0200"',
    'meta.lastModified gt "10000-01-01T00:00:00Z"',
    'meta.lastModified gt 1795000000',
    'meta.lastModified gt true',
    'meta.lastModified sw "2026-11"',
    'meta.created co "T17"',
  ])('refuses %j as 400 invalidFilter', async (filter) => {
    const response = await request('GET', `/Users?filter=${encodeURIComponent(filter)}`)
    expect(response.status).toBe(400)
    expect(response.body.scimType).toBe('invalidFilter')
    expect(response.body.detail).toMatch(/dateTime/)
  })
})

describe('xsd:dateTime parsing', () => {
  it.each([
    ['2026-11-23T17:23:16Z', '2026-11-23T17:23:16.000Z'],
    ['2026-11-23T18:19:44+02:00', '2026-11-23T16:19:44.000Z'],
    ['2026-11-23T17:23:16.9Z', '2026-11-23T17:23:16.900Z'],
    ['2026-11-23T17:23:16.123456-00:30', '2026-11-23T17:53:16.123Z'],
    ['2026-12-31T24:00:00Z', '2027-01-01T00:00:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['0099-01-01T00:00:00Z', '0099-01-01T00:00:00.000Z'],
    ['2026-11-23T17:23:16', '2026-11-23T17:23:16.000Z'],
  ])('reads %s as %s', (text, stored) => {
    expect(parseDateTime(text)?.text).toBe(stored)
  })

  it('writes dateTime attribute values in the stored form, and refuses what is not one', () => {
    const def = attr('hired', 'dateTime', '')
    expect(coerceValue(def, '2026-11-23T18:19:44+02:00')).toBe('2026-11-23T16:19:44.000Z')
    expect(() => coerceValue(def, 'Nov 23 2026')).toThrow(/dateTime/)
  })

  it('compares dateTime sub-attributes of PATCH targets as instants, and never folds them in SQL', () => {
    const attr: AttrRef = { name: 'events', sub: 'at', type: 'dateTime', caseExact: false, multiValued: true }
    const filter = { kind: 'compare', attr, op: 'gt', value: '2026-11-23T17:23:16.000Z' } as const
    expect(matchesElement(filter, { at: '2026-11-23T18:23:16.5+01:00' })).toBe(true)
    expect(matchesElement(filter, { at: '2026-11-23T18:23:15+01:00' })).toBe(false)
    const sql = compileFilter('users', { kind: 'compare', attr: { name: 'meta', sub: 'lastModified', type: 'dateTime', caseExact: false, multiValued: false }, op: 'gt', value: '2026-11-23T17:23:16.000Z' })
    expect(sql).toEqual({ sql: '(r.last_modified > ?)', params: ['2026-11-23T17:23:16.000Z'] })
  })
})
