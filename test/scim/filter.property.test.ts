// Property tests of SCIM filters: text round trips, any input is a filter or a precise 400, and SQL selects what the RFC reading does.
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { ScimError } from '../../src/errors.js'
import { filterLimits, parseFilter } from '../../src/scim/filter/parser.js'
import { createScimApp } from '../../src/scim/app.js'
import { groupType, userType } from '../../src/scim/schemas.js'
import type { AttrRef, AttrType, CompareOp, Filter, FilterValue } from '../../src/store/query.js'
import { evaluateFilter } from '../helpers/filter-eval.js'
import { renderFilter } from '../helpers/filter-text.js'
import { testStore } from '../helpers/test-store.js'
import { seededRandom } from '../helpers/random.js'
import { aUser, scimFixture, type Json } from '../helpers/scim.js'

const seed = 20261207
const enterprise = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
const acme = 'urn:acme:ext:1.0:User'

type Table = 'users' | 'groups'

function ref(name: string, sub: string | undefined, type: AttrType, caseExact: boolean, multiValued: boolean, extension?: string): AttrRef {
  return { ...(extension === undefined ? {} : { extension }), name, ...(sub === undefined ? {} : { sub }), type, caseExact, multiValued }
}

/** Text values shared by the stored resources and the filters, so that filters match some and miss others. */
const words = ['ada', 'Ada', 'ADA', 'bob', 'Bob', 'cy', 'é', 'É', 'straße', 'STRASSE', 'İ', 'i', '', '[]', '{}', '%', '_', "'", '"', '\\', '😀', 'a b', '0', '10', '9', 'work', 'Work', 'home', 'z\u{10FFFF}', '\u{10FFFF}']
const emailValues = ['ada@example.com', 'ADA@Example.com', 'bob@corp.example', 'cy@example.com', 'é@example.com', '😀@x']
/** Group names: distinct once case is folded, as a connection's group names must be. */
const groupNames = ['ada', 'Bob', 'cy', 'é', 'straße', 'İ', '%', '_', '[]', '😀', 'a b', '10']
const filterText = [...words, ...emailValues, 'a', 'A', 'b', '@', '.com', 'EXAMPLE', 'x@', 'Z']

/** Stored times: the clock starts here and moves one second per write. */
const t0 = Date.parse('2026-12-01T00:00:00.000Z')
const timeValues = Array.from({ length: 40 }, (_, i) => new Date(t0 + i * 1000 + (i % 3 === 0 ? 500 : 0)).toISOString())

type Leaf = { ref: AttrRef; values: fc.Arbitrary<Exclude<FilterValue, null>>; ops: CompareOp[] }

const allOps: CompareOp[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']
const ordered: CompareOp[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le']
const text = (): fc.Arbitrary<string> => fc.constantFrom(...filterText)
const bool = (): fc.Arbitrary<boolean> => fc.boolean()

/** Attributes IdPs filter on, by table; `ids` are the population's resource ids (compared for equality only). */
function catalog(table: Table, ids: { users: string[]; groups: string[] }) {
  const userIds = fc.constantFrom(...ids.users, 'nobody')
  const groupIds = fc.constantFrom(...ids.groups, 'nobody')
  const times = fc.constantFrom(...timeValues)
  const meta = (resourceType: string): Leaf[] => [
    { ref: ref('meta', 'lastModified', 'dateTime', false, false), values: times, ops: ordered },
    { ref: ref('meta', 'created', 'dateTime', false, false), values: times, ops: ordered },
    { ref: ref('meta', 'resourceType', 'string', true, false), values: fc.constantFrom(resourceType, resourceType.toLowerCase(), 'Other'), ops: allOps },
    { ref: ref('meta', 'version', 'string', true, false), values: fc.constantFrom('W/"1"', 'W/"2"', 'w/"1"'), ops: ['eq', 'ne'] },
  ]
  if (table === 'groups') {
    const members = (sub: string, values: fc.Arbitrary<string>, caseExact: boolean, ops = allOps): Leaf => ({ ref: ref('members', sub, 'string', caseExact, true), values, ops })
    const memberLeaves = [members('value', userIds, true, ['eq', 'ne']), members('display', text(), false), members('type', fc.constantFrom('User', 'user', 'Group'), false)]
    const top: Leaf[] = [
      { ref: ref('displayName', undefined, 'string', false, false), values: text(), ops: allOps },
      { ref: ref('externalId', undefined, 'string', true, false), values: text(), ops: allOps },
      { ref: ref('id', undefined, 'string', true, false), values: groupIds, ops: ['eq', 'ne'] },
      ...memberLeaves,
      ...meta('Group'),
    ]
    const complexes = [
      { ref: ref('members', undefined, 'complex', false, true), subs: memberLeaves },
      { ref: ref('meta', undefined, 'complex', false, false), subs: meta('Group') },
    ]
    return { top, complexes }
  }
  const emails = [
    { ref: ref('emails', 'value', 'string', false, true), values: fc.constantFrom(...emailValues, ...filterText), ops: allOps },
    { ref: ref('emails', 'type', 'string', false, true), values: fc.constantFrom('work', 'Work', 'home', 'other', ''), ops: allOps },
    { ref: ref('emails', 'primary', 'boolean', false, true), values: bool(), ops: ['eq', 'ne'] },
    { ref: ref('emails', 'display', 'string', false, true), values: text(), ops: allOps },
  ] satisfies Leaf[]
  const phoneNumbers = [
    { ref: ref('phoneNumbers', 'value', 'string', false, true), values: text(), ops: allOps },
    { ref: ref('phoneNumbers', 'type', 'string', false, true), values: fc.constantFrom('work', 'mobile', 'Mobile'), ops: allOps },
  ] satisfies Leaf[]
  const addresses = [
    { ref: ref('addresses', 'locality', 'string', false, true), values: text(), ops: allOps },
    { ref: ref('addresses', 'type', 'string', false, true), values: fc.constantFrom('work', 'home'), ops: allOps },
    { ref: ref('addresses', 'primary', 'boolean', false, true), values: bool(), ops: ['eq', 'ne'] },
  ] satisfies Leaf[]
  const name = [
    { ref: ref('name', 'familyName', 'string', false, false), values: text(), ops: allOps },
    { ref: ref('name', 'givenName', 'string', false, false), values: text(), ops: allOps },
    { ref: ref('name', 'formatted', 'string', false, false), values: text(), ops: allOps },
  ] satisfies Leaf[]
  const manager = [{ ref: ref('manager', 'value', 'string', false, false, enterprise), values: text(), ops: allOps }] satisfies Leaf[]
  const groups = [
    { ref: ref('groups', 'value', 'string', false, true), values: groupIds, ops: ['eq', 'ne'] },
    { ref: ref('groups', 'display', 'string', false, true), values: text(), ops: allOps },
    { ref: ref('groups', 'type', 'string', false, true), values: fc.constantFrom('direct', 'Direct', 'indirect'), ops: allOps },
  ] satisfies Leaf[]
  const top: Leaf[] = [
    { ref: ref('userName', undefined, 'string', false, false), values: fc.constantFrom(...filterText, 'ada0@example.com', 'Bob1@Corp.Example'), ops: allOps },
    { ref: ref('externalId', undefined, 'string', true, false), values: text(), ops: allOps },
    { ref: ref('displayName', undefined, 'string', false, false), values: text(), ops: allOps },
    { ref: ref('title', undefined, 'string', false, false), values: text(), ops: allOps },
    { ref: ref('active', undefined, 'boolean', false, false), values: bool(), ops: ['eq', 'ne'] },
    { ref: ref('id', undefined, 'string', true, false), values: userIds, ops: ['eq', 'ne'] },
    { ref: ref('employeeNumber', undefined, 'string', false, false, enterprise), values: text(), ops: allOps },
    { ref: ref('department', undefined, 'string', false, false, enterprise), values: text(), ops: allOps },
    // An extension rolecall does not define: kept as sent, of any JSON type.
    { ref: ref('level', undefined, 'string', false, false, acme), values: fc.oneof(fc.integer({ min: -2, max: 12 }), text()), ops: allOps },
    ...emails,
    ...phoneNumbers,
    ...addresses,
    ...name,
    ...manager,
    ...groups,
    ...meta('User'),
  ]
  const complexes = [
    { ref: ref('emails', undefined, 'complex', false, true), subs: emails },
    { ref: ref('phoneNumbers', undefined, 'complex', false, true), subs: phoneNumbers },
    { ref: ref('addresses', undefined, 'complex', false, true), subs: addresses },
    { ref: ref('name', undefined, 'complex', false, false), subs: name },
    { ref: ref('manager', undefined, 'complex', false, false, enterprise), subs: manager },
    { ref: ref('groups', undefined, 'complex', false, true), subs: groups },
    { ref: ref('meta', undefined, 'complex', false, false), subs: meta('User') },
  ]
  return { top, complexes }
}

/** `pr`, or a comparison whose operator and value the parser takes as they are (as it gives them back). */
function expression(leaves: Leaf[]): fc.Arbitrary<Filter> {
  return fc.constantFrom(...leaves).chain((leaf): fc.Arbitrary<Filter> => {
    const present = fc.constant<Filter>({ kind: 'present', attr: leaf.ref })
    const compare = fc.constantFrom(...leaf.ops).chain((op) => {
      const isText = op === 'co' || op === 'sw' || op === 'ew'
      const values = leaf.values.filter((value) => (isText ? typeof value === 'string' : op === 'eq' || op === 'ne' || typeof value !== 'boolean'))
      const value: fc.Arbitrary<FilterValue> = op === 'eq' || op === 'ne' ? fc.oneof({ weight: 6, arbitrary: values }, { weight: 1, arbitrary: fc.constant(null) }) : values
      return value.map((item): Filter => ({ kind: 'compare', attr: leaf.ref, op, value: item }))
    })
    return fc.oneof({ weight: 1, arbitrary: present }, { weight: 5, arbitrary: compare })
  })
}

function logic(leaf: fc.Arbitrary<Filter>, depth: number): fc.Arbitrary<Filter> {
  return fc.letrec<{ filter: Filter }>((tie) => ({
    filter: fc.oneof(
      { maxDepth: depth, depthIdentifier: `filter-${depth}` },
      leaf,
      fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), left: tie('filter'), right: tie('filter') }),
      fc.record({ kind: fc.constant('not' as const), filter: tie('filter') }),
    ),
  })).filter
}

/** What the parser counts of a filter (terms, operators, `not` and its parenthesis), with room for extra parentheses. */
function cost(filter: Filter): number {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return 2 + cost(filter.left) + cost(filter.right)
    case 'not':
      return 3 + cost(filter.filter)
    case 'valuePath':
      return 2 + cost(filter.filter)
    default:
      return 1
  }
}

function filters(table: Table, ids: { users: string[]; groups: string[] }): fc.Arbitrary<Filter> {
  const { top, complexes } = catalog(table, ids)
  const valuePath = fc
    .constantFrom(...complexes)
    .chain((complex) => logic(expression(complex.subs), 2).map((inner): Filter => ({ kind: 'valuePath', attr: complex.ref, filter: inner })))
  const leaf = fc.oneof({ weight: 3, arbitrary: expression(top) }, { weight: 1, arbitrary: valuePath })
  return logic(leaf, 3).filter((filter) => cost(filter) <= filterLimits.maxNodes / 2)
}

describe('scim filter properties', () => {
  describe('round trip', () => {
    const someIds = { users: ['0190a1b2-0000-7000-8000-000000000001'], groups: ['0190a1b2-0000-7000-8000-000000000002'] }
    it.each(['users', 'groups'] as const)('renders generated %s filters in any spelling and parses them back to the same filter', (table) => {
      fc.assert(
        fc.property(filters(table, someIds), fc.integer(), (filter, spelling) => {
          const textForm = renderFilter(filter, table, seededRandom(spelling))
          expect(parseFilter(table === 'users' ? userType : groupType, textForm), textForm).toEqual(filter)
        }),
        { seed, numRuns: 1500 },
      )
    })
  })

  describe('any text', () => {
    const pieces = [
      'userName', 'USERNAME', 'emails', 'emails.value', 'emails[', ']', '].value', '.value', 'name.familyName', 'members', 'members.value', 'meta.lastModified',
      'active', 'id', 'externalId', enterprise, `${enterprise}:manager`, `${enterprise}:manager[`, 'urn:x:y', 'urn:', ':', 'eq', 'NE', 'co', 'sw', 'ew',
      'pr', 'gt', 'ge', 'lt', 'le', 'and', 'OR', 'not', 'Not', '(', ')', '[', '"x"', '"', '"\\"', '"\\u00', '"\\ud800"', '"\\ud83d\\ude00"', 'true', 'False',
      'null', '42', '-1.5e3', '1e999', '0x10', ' ', '\t', '\n', ',', '.', '$ref', 'value', 'type', '\\', '\u0000', '\u001f', 'é', "'", '😀', '\u{10FFFF}',
      '"2026-12-01T00:00:00Z"', '"2026-02-30T00:00:00Z"', '"yesterday"', '__proto__', 'constructor',
    ]
    const soup = fc.array(fc.constantFrom(...pieces), { maxLength: 24 }).chain((parts) => fc.constantFrom(' ', '').map((separator) => parts.join(separator)))
    const nested = fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.constantFrom('(', 'not (', 'not ', 'emails[', 'name[not (')).map(
      ([depth, opener]) => `${opener.repeat(depth)}userName eq "a"${(opener.includes('[') ? ']' : opener.includes('(') ? ')' : '').repeat(depth)}`,
    )
    const huge = fc.tuple(fc.integer({ min: 4000, max: 20000 }), fc.constantFrom('x', '\\"', '😀', ' or ')).map(([length, unit]) =>
      unit === ' or ' ? Array.from({ length: Math.ceil(length / 20) }, (_, i) => `title eq "${i}"`).join(unit) : `userName eq "${unit.repeat(Math.ceil(length / unit.length))}"`,
    )
    const valid = filters('users', { users: ['u-1'], groups: ['g-1'] })
    const mutated = fc.tuple(valid, fc.integer(), fc.integer({ min: 0, max: 1000 }), fc.constantFrom('', '"', '(', ']', ' ', '\\', 'x', '\u0000', '\ud800')).map(
      ([filter, spelling, at, insert]) => {
        const textForm = renderFilter(filter, 'users', seededRandom(spelling))
        const cut = at % (textForm.length + 1)
        return `${textForm.slice(0, cut)}${insert}${textForm.slice(cut + (insert === '' ? 1 : 0))}`
      },
    )
    const anything = fc.oneof(soup, fc.string({ unit: 'binary', maxLength: 120 }), fc.string({ unit: 'grapheme', maxLength: 120 }), nested, huge, mutated)

    it('is a filter or a 400 invalidFilter whose detail says what and where, and never another exception', async () => {
      const { request } = await scimFixture()
      const { body: user } = await request('POST', '/Users', aUser('ada@example.com'))
      expect((await request('POST', '/Groups', { displayName: 'g', members: [{ value: user.id }] })).status).toBe(201)
      let accepted = 0
      await fc.assert(
        fc.asyncProperty(anything, fc.constantFrom(userType, groupType), async (input, type) => {
          let parsed: Filter | undefined
          try {
            parsed = parseFilter(type, input)
          } catch (error) {
            expect(error, input).toBeInstanceOf(ScimError)
            const scim = error as ScimError
            expect({ status: scim.status, scimType: scim.scimType }).toEqual({ status: 400, scimType: 'invalidFilter' })
            expect(scim.detail.length).toBeGreaterThan(8)
            for (const [, at] of scim.detail.matchAll(/ at (\d+)/g)) {
              expect(Number(at)).toBeGreaterThanOrEqual(1)
              expect(Number(at)).toBeLessThanOrEqual(input.length + 1)
            }
            if (input.length > filterLimits.maxLength) expect(scim.detail).toMatch(/longer than 4096/)
            return
          }
          accepted++
          expect(input.length).toBeLessThanOrEqual(filterLimits.maxLength)
          expect(parsed).toBeDefined()
          // What parses also compiles and runs: the list answers, whatever the filter selects.
          const response = await request('GET', `/${type === userType ? 'Users' : 'Groups'}?filter=${encodeURIComponent(input)}`)
          expect(response.status, `${input}: ${JSON.stringify(response.body)}`).toBe(200)
        }),
        { seed, numRuns: 3000 },
      )
      // Not vacuous: some of the inputs are filters.
      expect(accepted).toBeGreaterThan(50)
    })

    it('names the bound a filter goes past', () => {
      const detail = (input: string): string => {
        try {
          parseFilter(userType, input)
        } catch (error) {
          return (error as ScimError).detail
        }
        return 'accepted'
      }
      expect(detail(`${'('.repeat(filterLimits.maxDepth + 1)}userName pr${')'.repeat(filterLimits.maxDepth + 1)}`)).toBe('filter is nested too deeply (more than 16 levels)')
      expect(detail(`${'('.repeat(filterLimits.maxDepth)}userName pr${')'.repeat(filterLimits.maxDepth)}`)).toBe('accepted')
      expect(detail(Array.from({ length: 33 }, () => 'title pr').join(' or '))).toBe('filter is too complex (more than 64 terms)')
      expect(detail(Array.from({ length: 32 }, () => 'title pr').join(' or '))).toBe('accepted')
      expect(detail(`userName eq "${'x'.repeat(4096)}"`)).toBe('filter is longer than 4096 characters')
    })
  })

  describe('compiled SQL and the RFC', () => {
    type Population = { request: (path: string) => Promise<{ status: number; body: Json }>; users: Json[]; groups: Json[] }
    const populations: Population[] = []

    const userBody = fc.record(
      {
        base: fc.constantFrom('ada', 'Bob', 'cy', 'ÉVE', 'straße', 'z\u{10FFFF}', '%_'),
        domain: fc.constantFrom('example.com', 'Corp.Example'),
        externalId: fc.constantFrom(...words),
        displayName: fc.constantFrom(...words),
        title: fc.constantFrom(...words),
        active: fc.constantFrom<boolean | string>(true, false, 'True', 'False'),
        name: fc.record({ familyName: fc.constantFrom(...words), givenName: fc.constantFrom(...words), formatted: fc.constantFrom(...words) }, { requiredKeys: [] }),
        emails: fc.array(
          fc.record(
            { value: fc.constantFrom(...emailValues), type: fc.constantFrom('work', 'Work', 'home', 'other', ''), primary: fc.boolean(), display: fc.constantFrom(...words) },
            { requiredKeys: ['value'] },
          ),
          { maxLength: 3 },
        ),
        phoneNumbers: fc.array(fc.record({ value: fc.constantFrom(...words.filter((word) => word.trim() !== '')), type: fc.constantFrom('work', 'mobile') }, { requiredKeys: ['value'] }), {
          maxLength: 2,
        }),
        addresses: fc.array(fc.record({ locality: fc.constantFrom(...words), type: fc.constantFrom('work', 'home'), primary: fc.constant(false) }, { requiredKeys: [] }), { maxLength: 2 }),
        enterprise: fc.record(
          {
            employeeNumber: fc.oneof(fc.constantFrom(...words), fc.integer({ min: 0, max: 12 })),
            department: fc.constantFrom(...words),
            manager: fc.oneof(fc.record({ value: fc.constantFrom(...words.filter((word) => word !== '')) }), fc.constantFrom('ada', 'Bob')),
          },
          { requiredKeys: [] },
        ),
        level: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.constantFrom(...words), fc.boolean(), fc.constant({ a: 'ada' })),
      },
      { requiredKeys: ['base', 'domain'] },
    )

    async function populate(populationSeed: number): Promise<Population> {
      let now = t0
      const store = await testStore(() => new Date(now))
      const app = createScimApp({ store })
      const { token } = await store.createToken('okta')
      const send = async (method: string, path: string, body?: unknown) => {
        const init: RequestInit = { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' } }
        if (body !== undefined) init.body = JSON.stringify(body)
        const response = await app.request(`http://localhost/scim/v2${path}`, init)
        const textBody = await response.text()
        return { status: response.status, body: textBody === '' ? undefined : JSON.parse(textBody) }
      }
      const bodies = fc.sample(fc.array(userBody, { minLength: 18, maxLength: 18 }), { seed: populationSeed, numRuns: 1 })[0] ?? []
      const userIds: string[] = []
      for (const [i, user] of bodies.entries()) {
        let isPrimaryTaken = false
        const emails = user.emails?.map((email) => {
          const primary = email.primary === true && !isPrimaryTaken
          isPrimaryTaken ||= primary
          return { ...email, primary }
        })
        const body: Record<string, unknown> = {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', enterprise, acme],
          userName: `${user.base}${i}@${user.domain}`,
          externalId: user.externalId,
          displayName: user.displayName,
          title: user.title,
          active: user.active,
          name: user.name,
          emails,
          phoneNumbers: user.phoneNumbers,
          addresses: user.addresses,
          [enterprise]: user.enterprise,
          [acme]: user.level === undefined ? undefined : { level: user.level },
        }
        now = t0 + i * 1000 + (i % 3 === 0 ? 500 : 0)
        const created = await send('POST', '/Users', body)
        expect(created.status, JSON.stringify(created.body)).toBe(201)
        userIds.push(created.body.id)
      }
      const random = seededRandom(populationSeed)
      for (let i = 0; i < 12; i++) {
        now = t0 + (userIds.length + i) * 1000
        const members = userIds.filter(() => random() < 0.15).map((value) => ({ value }))
        const displayName = groupNames[i] ?? `group-${i}`
        const externalId = i % 3 === 0 ? undefined : words[Math.floor(random() * words.length)]
        const created = await send('POST', '/Groups', { displayName, externalId, members })
        expect(created.status, JSON.stringify(created.body)).toBe(201)
      }
      // A later write moves one lastModified past every other time.
      now = t0 + 35_000
      await send('PATCH', `/Users/${userIds[0] ?? ''}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'ada' }] })
      const users = (await send('GET', '/Users?count=1000')).body.Resources as Json[]
      const withGroups = (await send('GET', '/Users?count=1000&attributes=groups')).body.Resources as Json[]
      for (const user of users) {
        const groups = withGroups.find((other) => other.id === user.id)?.groups
        if (groups !== undefined) user.groups = groups
      }
      const groups = (await send('GET', '/Groups?count=1000')).body.Resources as Json[]
      return { request: (path) => send('GET', path), users, groups }
    }

    beforeAll(async () => {
      for (const populationSeed of [seed, seed + 1]) populations.push(await populate(populationSeed))
    })

    it.each([
      ['users', 'Users', 600],
      ['groups', 'Groups', 300],
    ] as const)('selects the %s an in-memory reading of RFC 7644 §3.4.2.2 selects', async (table, endpoint, numRuns) => {
      let selected = 0
      let rejected = 0
      for (const [index, population] of populations.entries()) {
        const ids = { users: population.users.map((user) => user.id as string), groups: population.groups.map((group) => group.id as string) }
        const resources = table === 'users' ? population.users : population.groups
        await fc.assert(
          fc.asyncProperty(filters(table, ids), fc.integer(), async (filter, spelling) => {
            const textForm = renderFilter(filter, table, seededRandom(spelling))
            const response = await population.request(`/${endpoint}?count=1000&filter=${encodeURIComponent(textForm)}`)
            expect(response.status, `${textForm}: ${JSON.stringify(response.body)}`).toBe(200)
            const got = (response.body.Resources as Json[]).map((resource) => resource.id as string).sort()
            const expected = resources.filter((resource) => evaluateFilter(filter, resource)).map((resource) => resource.id as string).sort()
            expect(got, textForm).toEqual(expected)
            if (expected.length > 0 && expected.length < resources.length) selected++
            else rejected++
          }),
          { seed: seed + index, numRuns },
        )
      }
      // Not vacuous: many filters tell the resources apart.
      expect(selected).toBeGreaterThan((selected + rejected) / 8)
    })
  })
})
