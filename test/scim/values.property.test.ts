// Property tests (fast-check, fixed seed) of the values a write may carry: generated strings and bytes are kept
// exactly or refused with 400 invalidValue and nothing written, as an oracle written from the rules decides.
import { isUtf8 } from 'node:buffer'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { scimFixture, type Json } from '../helpers/scim.js'

const seed = 0x5eed_7a1e
const custom = 'urn:example:custom:2.0:User'

/** UTF-16 units, biased towards the ones the rules are about. */
const unit = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 2, arbitrary: fc.constantFrom(0x00, 0x09, 0x0a, 0x0d, 0x1f, 0x7f, 0x80, 0x9f, 0x2028, 0x2029, 0xfffd) },
  { weight: 2, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
)
const text = fc.array(unit, { maxLength: 12 }).map((units) => String.fromCharCode(...units))

/** The oracle, unit by unit: what a value of each kind may not hold (README: "Values no IdP sends"). */
function isClean(value: string, kind: 'line' | 'text'): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++
        continue
      }
      return false
    }
    if (code >= 0xdc00 && code <= 0xdfff) return false
    const breaksLine = code === 0x09 || code === 0x0a || code === 0x0d || code === 0x2028 || code === 0x2029
    if (breaksLine) {
      if (kind === 'line') return false
      continue
    }
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return false
  }
  return true
}

describe('values in writes, generated', () => {
  it('a string is kept exactly where its attribute allows it, else refused naming the attribute, writing nothing', async () => {
    const { request, store } = await scimFixture()
    let created = 0
    let run = 0
    await fc.assert(
      fc.asyncProperty(text, async (value) => {
        run++
        const audit = await store.exportAudit(() => {})
        // title is one line; an attribute no schema defines is free text.
        const response = await request('POST', '/Users', { userName: `u${run}@acme.example`, title: value, [custom]: { note: value } })
        if (isClean(value, 'line')) {
          expect(response.status, JSON.stringify(value)).toBe(201)
          created++
          const read = await request('GET', `/Users/${response.body.id}`)
          expect(read.body.title).toBe(value)
          expect(read.body[custom].note).toBe(value)
          return
        }
        expect(response.status, JSON.stringify(value)).toBe(400)
        expect(response.body.scimType).toBe('invalidValue')
        expect(response.body.detail).toMatch(/^title contains /)
        expect(await store.exportAudit(() => {})).toBe(audit)
      }),
      { seed, numRuns: 300 },
    )
    expect((await request('GET', '/Users?count=0')).body.totalResults).toBe(created)
    // Both outcomes were reached: the property did not hold vacuously.
    expect(created).toBeGreaterThan(20)
    expect(created).toBeLessThan(run - 20)
  })

  it('free text keeps line breaks and tabs, and nothing else a line may not hold', async () => {
    const { request } = await scimFixture()
    let run = 0
    await fc.assert(
      fc.asyncProperty(text, async (value) => {
        run++
        const response = await request('POST', '/Users', { userName: `u${run}@acme.example`, addresses: [{ formatted: value }] })
        expect(response.status, JSON.stringify(value)).toBe(isClean(value, 'text') ? 201 : 400)
        if (response.status === 201) expect(response.body.addresses?.[0]?.formatted ?? '').toBe(value)
      }),
      { seed, numRuns: 200 },
    )
  })

  it('bytes are read as UTF-8 or refused: never two byte strings for one userName', async () => {
    const { app, client, store } = await scimFixture()
    // Bytes a JSON string may hold raw: no quote, no backslash, no ASCII control.
    const bytes = fc.array(fc.oneof(fc.integer({ min: 0x20, max: 0x7e }).filter((byte) => byte !== 0x22 && byte !== 0x5c), fc.integer({ min: 0x80, max: 0xff })), { minLength: 1, maxLength: 8 })
    const seen = new Map<string, string>()
    let run = 0
    await fc.assert(
      fc.asyncProperty(bytes, async (generated) => {
        run++
        const name = Uint8Array.from(generated)
        const body = Buffer.concat([Buffer.from(`{"userName":"${run}-`), name, Buffer.from('@acme.example"}')])
        const response = await app.request('http://localhost/scim/v2/Users', { method: 'POST', headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/scim+json' }, body })
        const answer = (await response.json()) as Json
        if (!isUtf8(name)) {
          expect(response.status).toBe(400)
          expect(answer).toMatchObject({ scimType: 'invalidValue' })
          expect(answer.detail).toMatch(/^userName is not valid UTF-8 at byte \d+/)
          return
        }
        const decoded = new TextDecoder().decode(name)
        if (!isClean(decoded, 'line')) {
          expect(response.status).toBe(400)
          expect(answer.detail).toMatch(/^userName contains /)
          return
        }
        expect(response.status, JSON.stringify(answer)).toBe(201)
        expect(answer.userName).toBe(`${run}-${decoded}@acme.example`)
        const hex = Buffer.from(name).toString('hex')
        expect(seen.get(decoded) ?? hex, decoded).toBe(hex)
        seen.set(decoded, hex)
      }),
      { seed, numRuns: 300 },
    )
    expect(seen.size).toBeGreaterThan(20)
    expect((await store.listUsers('okta', { startIndex: 1, count: 0 }, false)).total).toBeLessThan(run)
  })
})
