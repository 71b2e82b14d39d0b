// Property: any PATCH, valid or hostile, is answered without a 5xx; a refusal is an RFC 7644 §3.12 body and changes
// nothing; an acceptance returns what GET then reads; adding or removing the same member again changes nothing more.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Store } from '../../src/store/store.js'
import { aUser, enterpriseUrn, groupSchemaUrn, patchUrn, scimFixture, userSchemaUrn, type Json, type ScimResponse } from '../helpers/scim.js'

/** Fixed, so that a failure is the same on every run (fast-check prints the shrunk case and its path). */
const seed = 0x7644_0352
const errorUrn = 'urn:ietf:params:scim:api:messages:2.0:Error'
/** RFC 7644 §3.12, Table 9: every 400 names one of these. */
const scimTypes = ['invalidFilter', 'tooMany', 'uniqueness', 'mutability', 'invalidSyntax', 'invalidPath', 'noTarget', 'invalidValue', 'invalidVers', 'sensitive']

/** Strings that the world substitutes with ids known only once the run's users and group exist. */
const placeholders = ['$ANN', '$BOB', '$CAL', '$GROUP', '$NOBODY'] as const
type Placeholder = (typeof placeholders)[number]

/** `word` with each letter's case chosen by the generator: Entra sends "Replace", others "REPLACE". */
function anyCase(word: string): fc.Arbitrary<string> {
  return fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }).map((upper) => [...word].map((letter, i) => (upper[i] === true ? letter.toUpperCase() : letter)).join(''))
}

const op = fc.oneof(
  { weight: 12, arbitrary: fc.oneof(anyCase('add'), anyCase('remove'), anyCase('replace')) },
  { weight: 1, arbitrary: fc.constantFrom<Json>('move', 'copy', 'test', '', ' add', 'add ', 42, null, true, ['add'], { op: 'add' }) },
)

const member = fc.constantFrom<Placeholder>(...placeholders)

/** Paths an IdP or a hostile client sends: value filters, sub-attributes, URNs, names that are not attributes. */
const path = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.constantFrom(
      'displayName', 'title', 'nickName', 'active', 'externalId', 'userName', 'name', 'name.givenName', 'name.familyName', 'name.nope',
      'emails', 'emails.value', 'emails.primary', 'emails[type eq "work"]', 'emails[type eq "work"].value', 'emails[type eq "home"].primary',
      'emails[value co "@"]', 'emails[value co "@"].primary', 'emails[primary eq true]', 'emails[not (type eq "work")]', 'EMAILS[TYPE EQ "work"].VALUE',
      'phoneNumbers', 'phoneNumbers[type eq "mobile"].value', 'addresses', 'addresses[type eq "work"].locality', 'roles', 'roles[value eq "auditor"]',
      'entitlements', 'x509Certificates', 'photos', 'ims', 'groups', 'groups.value', 'meta', 'meta.created', 'id', 'schemas', 'password',
      'members', 'members.value', 'members.display', 'members[type eq "User"]', 'members[display co "a"]', 'members[value eq "nope"]',
      enterpriseUrn, `${enterpriseUrn}:department`, `${enterpriseUrn}:manager`, `${enterpriseUrn}:manager.value`, `${enterpriseUrn}:manager.displayName`,
      `${enterpriseUrn}:nope`, `${userSchemaUrn}:title`, `${userSchemaUrn}:emails[type eq "work"].value`, `${groupSchemaUrn}:members`, `${groupSchemaUrn}:displayName`,
      'urn:example:ext:1.0:User:color', 'urn:example:ext:1.0:User', 'urn:', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:Group:x',
      '__proto__', 'constructor', 'name.__proto__', 'emails[__proto__ eq 1]', 'toString', 'hasOwnProperty', 'emails[', 'emails]', 'emails[type eq]',
      'emails[type eq "work"', 'emails[type eq "work"]]', 'emails[type eq "work"].', 'a.b.c', '$ref', ' ', '..', 'émails', 'name\u0000',
    ),
  },
  { weight: 3, arbitrary: member.map((id) => `members[value eq "${id}"]`) },
  { weight: 1, arbitrary: fc.tuple(member, member).map(([a, b]) => `members[value eq "${a}" or value eq "${b}"]`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(5000), `emails[${'('.repeat(300)}value pr${')'.repeat(300)}]`, 'emails[value eq "' + 'é'.repeat(2000) + '"]') },
  { weight: 1, arbitrary: fc.constantFrom<Json>(42, true, ['emails'], { path: 'emails' }) },
)

const oddString = fc.oneof(
  fc.constantFrom('', ' ', 'True', 'False', 'true', 'null', 'x@y.z', 'W/"1"', '2020-01-01T00:00:00Z', '\u0000', '\u202e', '💥'.repeat(50), 'a'.repeat(70_000)),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
)

const scalar = fc.oneof(oddString, fc.boolean(), fc.constant(null), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(2 ** 60, -0, 1e308))

const memberValue = fc.oneof(
  member.map((id) => ({ value: id })),
  member.map((id) => ({ value: id, display: 'typed by the client', type: 'User' })),
  member.map((id) => ({ value: id, type: 'Group' })),
  fc.constantFrom<Json>({ display: 'no value' }, { value: 7 }, { value: '' }, 'bare-string'),
)

/** Values shaped as IdPs send them, and as they must not. */
const shaped: fc.Arbitrary<Json> = fc.oneof(
  fc.array(fc.record({ value: oddString, type: fc.constantFrom('work', 'home', 'other', 'WORK'), primary: fc.oneof(fc.boolean(), fc.constantFrom('True', 'False')) }, { requiredKeys: ['value'] }), { maxLength: 3 }),
  fc.array(memberValue, { maxLength: 4 }),
  memberValue,
  fc.record({ givenName: scalar, familyName: scalar }, { requiredKeys: [] }),
  fc.record({ value: oddString, displayName: oddString, $ref: oddString }, { requiredKeys: [] }),
  fc.record(
    {
      schemas: fc.constantFrom<Json>([enterpriseUrn], [userSchemaUrn, enterpriseUrn], 'nope'),
      id: fc.oneof(fc.constant('$SELF'), oddString),
      meta: fc.constantFrom<Json>({ resourceType: 'User', version: 'W/"1"' }, 'x'),
      department: scalar,
      manager: fc.oneof(scalar, fc.record({ value: oddString, displayName: oddString }, { requiredKeys: [] })),
    },
    { requiredKeys: [] },
  ),
  fc.dictionary(
    fc.constantFrom(
      'displayName', 'title', 'active', 'name.givenName', 'emails[type eq "work"].value', 'members', 'meta', 'id', 'schemas', 'groups', 'userName',
      enterpriseUrn, `${enterpriseUrn}:department`, `${userSchemaUrn}:title`, 'urn:example:ext:1.0:User', '__proto__', 'constructor', 'unknownThing',
    ),
    fc.oneof(scalar, fc.array(memberValue, { maxLength: 2 }), fc.record({ department: scalar, schemas: fc.constant<Json>([enterpriseUrn]) }, { requiredKeys: [] })),
    { maxKeys: 4 },
  ),
)

const value: fc.Arbitrary<Json> = fc.oneof({ weight: 3, arbitrary: shaped }, { weight: 2, arbitrary: scalar }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) })

/** Anything in any field. */
const hostileOperation = fc.record({ op, path, value }, { requiredKeys: ['op'] })

const anyOp = fc.oneof(anyCase('add'), anyCase('replace'), anyCase('remove'))
const email = fc.constantFrom('pat@x.com', 'PAT@x.com', 'pat@home.example', 'p@other.example')
const memberList = fc.array(member.filter((name) => name !== '$NOBODY' && name !== '$GROUP').map((id) => ({ value: id })), { maxLength: 3 })

/** Operations on a user as IdPs send them: a path with a value of its type, or a path-less object; most are accepted. */
const plausibleUserOperation: fc.Arbitrary<Json> = fc.oneof(
  ...(
    [
      ['title', oddString],
      ['displayName', fc.constantFrom('Team', 'renamed', 'Pat')],
      ['userName', fc.constantFrom('pat@x.com', 'PAT@X.COM', 'pat2@x.com', 'bob@x.com', '')],
      ['externalId', fc.oneof(oddString, fc.integer())],
      ['active', fc.constantFrom<Json>(true, false, 'True', 'False')],
      ['name', fc.record({ givenName: oddString, familyName: fc.oneof(oddString, fc.constant(null)) }, { requiredKeys: [] })],
      ['name.givenName', oddString],
      ['emails', fc.array(fc.record({ value: email, type: fc.constantFrom('work', 'home'), primary: fc.boolean() }, { requiredKeys: ['value'] }), { maxLength: 2 })],
      ['emails[type eq "work"].value', email],
      ['emails[type eq "home"].primary', fc.constantFrom<Json>(true, 'True', false)],
      ['emails[value eq "pat@x.com"]', fc.record({ value: email, type: fc.constantFrom('work', 'other') }, { requiredKeys: ['value'] })],
      ['phoneNumbers', fc.array(fc.record({ value: fc.constantFrom('+1 555 0100', '+44 20 7946 0000'), type: fc.constantFrom('work', 'mobile') }), { maxLength: 2 })],
      ['roles', fc.array(fc.record({ value: fc.constantFrom('auditor', 'admin') }), { maxLength: 2 })],
      ['roles[value eq "auditor"]', fc.constant<Json>({ value: 'auditor' })],
      [enterpriseUrn, fc.record({ schemas: fc.constant<Json>([enterpriseUrn]), department: fc.constantFrom('Risk', 'Ops'), manager: fc.record({ value: fc.constant('boss-2'), displayName: oddString }) }, { requiredKeys: [] })],
      [`${enterpriseUrn}:department`, fc.constantFrom('Risk', 'Ops', '')],
      [`${enterpriseUrn}:manager`, fc.constantFrom<Json>('boss-3', { value: 'boss-4' }, { value: 'boss-5', displayName: 'Five' })],
      ['urn:example:ext:1.0:User:color', oddString],
    ] as [string, fc.Arbitrary<Json>][]
  ).map(([target, typed]) => fc.record({ op: anyOp, path: fc.constant(target), value: typed })),
  fc.record({ op: fc.oneof(anyCase('add'), anyCase('replace')), value: fc.record({ title: oddString, active: fc.constantFrom<Json>('False', true), [enterpriseUrn]: fc.record({ department: fc.constantFrom('Risk', 'Ops') }) }, { requiredKeys: [] }) }),
)

/** Operations on a group as Okta and Entra send them: members added and removed every way, renames. */
const plausibleGroupOperation: fc.Arbitrary<Json> = fc.oneof(
  fc.record({ op: anyOp, path: fc.constantFrom('members', `${groupSchemaUrn}:members`), value: memberList }),
  member.map((id) => ({ op: 'remove', path: `members[value eq "${id}"]` })),
  fc.tuple(member, member).map(([a, b]) => ({ op: 'Remove', path: `members[value eq "${a}" or value eq "${b}"]` })),
  fc.record({ op: fc.oneof(anyCase('replace'), anyCase('add')), path: fc.constantFrom('displayName', 'externalId'), value: fc.constantFrom('team', 'Team', 'renamed', 'okta-00g1', 'other', 'OTHER') }),
  fc.record({ op: fc.oneof(anyCase('add'), anyCase('replace')), value: fc.record({ id: fc.constant('$SELF'), displayName: fc.constantFrom('team', 'renamed'), members: memberList }, { requiredKeys: [] }) }),
)

/** Whole PatchOp bodies for `target`: mostly well formed, sometimes not. */
const bodyFor = (target: 'User' | 'Group'): fc.Arbitrary<Json> => {
  const plausible = target === 'User' ? plausibleUserOperation : plausibleGroupOperation
  const operation = fc.oneof(plausible, hostileOperation)
  return fc.oneof(
    { weight: 8, arbitrary: fc.array(plausible, { minLength: 1, maxLength: 3 }).map((operations) => ({ schemas: [patchUrn], Operations: operations })) },
    { weight: 6, arbitrary: fc.array(operation, { minLength: 1, maxLength: 4 }).map((operations) => ({ schemas: [patchUrn], Operations: operations })) },
    { weight: 1, arbitrary: fc.array(operation, { minLength: 1, maxLength: 2 }).map((operations) => ({ operations })) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Json>(
        { schemas: [patchUrn], Operations: [] },
        { schemas: [patchUrn] },
        { schemas: [userSchemaUrn], Operations: [{ op: 'add', path: 'title', value: 'x' }] },
        { schemas: patchUrn, Operations: { op: 'add' } },
        { schemas: [patchUrn], Operations: ['add'] },
        { schemas: [patchUrn], Operations: Array.from({ length: 1001 }, () => ({ op: 'add', path: 'title', value: 'x' })) },
        { schemas: [patchUrn], Operations: [{ op: 'add', path: 'title', value: JSON.parse(`${'['.repeat(100)}${']'.repeat(100)}`) as Json }] },
        [],
        'not an object',
      ),
    },
  )
}

const targetAndBody = fc.constantFrom<'User' | 'Group'>('User', 'Group').chain((target) => fc.tuple(fc.constant(target), bodyFor(target)))

/** A valid user of the world, with its own multi-valued attributes and extension. */
const user = fc.record(
  {
    // Valid: one line of Unicode text (control characters and lone surrogates are refused; see values.test.ts).
    title: oddString.filter((text) => text.length < 100 && !/[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)),
    emails: fc.uniqueArray(
      fc.record({ value: fc.constantFrom('pat@x.com', 'pat@home.example', 'p@other.example'), type: fc.constantFrom('work', 'home', 'other') }),
      { maxLength: 3, selector: (email) => email.value },
    ),
    roles: fc.uniqueArray(fc.constantFrom('auditor', 'admin', 'viewer'), { maxLength: 2 }).map((roles) => roles.map((role) => ({ value: role }))),
    [enterpriseUrn]: fc.record({ department: fc.constantFrom('Risk', 'Ops'), manager: fc.constant({ value: 'boss-1' }) }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
)

/** Which members the group starts with, by placeholder. */
const startMembers = fc.subarray(['$ANN', '$BOB', '$CAL'] as const)

type World = Awaited<ReturnType<typeof aWorld>>

/** The last world's store: closed when the next world is made (a database server keeps a connection to each). */
let lastStore: Store | undefined

async function aWorld(extra: Json, members: readonly string[]) {
  await lastStore?.close()
  const fixture = await scimFixture()
  lastStore = fixture.store
  const ids: Record<string, string> = {}
  const { emails: _emails, ...base } = aUser('pat@x.com')
  const ann = await fixture.request('POST', '/Users', { ...base, ...extra })
  expect(ann.status, JSON.stringify(ann.body)).toBe(201)
  ids['$ANN'] = ann.body.id
  for (const name of ['bob', 'cal']) ids[`$${name.toUpperCase()}`] = (await fixture.request('POST', '/Users', aUser(`${name}@x.com`))).body.id
  ids['$NOBODY'] = '00000000-0000-4000-8000-000000000000'
  const group = await fixture.request('POST', '/Groups', { displayName: 'team', members: members.map((name) => ({ value: ids[name] })) })
  expect(group.status, JSON.stringify(group.body)).toBe(201)
  ids['$GROUP'] = group.body.id
  // Another group, whose name a rename may collide with (409 uniqueness).
  expect((await fixture.request('POST', '/Groups', { displayName: 'other' })).status).toBe(201)
  return { ...fixture, ids }
}

/** `template` with every placeholder string replaced by its id, and `$SELF` by the target's id. */
function substitute(template: Json, ids: Record<string, string>, self: string): Json {
  if (typeof template === 'string') {
    if (template === '$SELF') return self
    return placeholders.reduce((text: string, name) => text.split(name).join(ids[name] ?? name), template)
  }
  if (Array.isArray(template)) return template.map((item) => substitute(item, ids, self))
  if (template === null || typeof template !== 'object') return template
  const result: Json = {}
  for (const key of Object.keys(template)) Object.defineProperty(result, key, { value: substitute(template[key], ids, self), enumerable: true, writable: true, configurable: true })
  return result
}

async function auditLength(world: World): Promise<number> {
  return world.store.exportAudit(() => undefined)
}

function expectErrorBody(response: ScimResponse): void {
  const { body, status } = response
  expect(response.headers.get('content-type')).toBe('application/scim+json')
  expect(Object.keys(body).sort()).toEqual(['detail', 'schemas', 'status', ...(body.scimType === undefined ? [] : ['scimType'])].sort())
  expect(body.schemas).toEqual([errorUrn])
  expect(body.status).toBe(String(status))
  expect(typeof body.detail).toBe('string')
  if (status === 400) expect(scimTypes).toContain(body.scimType)
  else if (status === 409) expect(body.scimType).toBe('uniqueness')
  else expect(body.scimType).toBeUndefined()
}

/** What an accepted resource must satisfy whatever the PATCH was: RFC 7643 §2.4, §2.5, §3. */
function expectWellFormed(resource: Json, urn: string): void {
  expect(resource.schemas[0]).toBe(urn)
  expect(resource.schemas.slice(1)).toEqual(Object.keys(resource).filter((key) => key.startsWith('urn:')))
  for (const [key, item] of Object.entries(resource as Record<string, Json>)) {
    if (Array.isArray(item) && key !== 'schemas') {
      expect(item.length, `${key} is not an empty array (RFC 7643 §2.5)`).toBeGreaterThan(0)
      expect(item.filter((element: Json) => element?.primary === true).length, `${key} has at most one primary (RFC 7643 §2.4)`).toBeLessThanOrEqual(1)
    }
    if (item === null) throw new Error(`${key} is null`)
    if (typeof item === 'object' && !Array.isArray(item)) expect(Object.keys(item).length, `${key} is not an empty object (RFC 7643 §2.5)`).toBeGreaterThan(0)
  }
}

describe('scim patch properties', () => {
  it('answers every PATCH without a 5xx; a refusal changes nothing, an acceptance reads back', async () => {
    const outcomes = { accepted: 0, refused: 0 }
    await fc.assert(
      fc.asyncProperty(user, startMembers, targetAndBody, fc.boolean(), async (extra, members, [target, template], asksForBody) => {
        const world = await aWorld(extra, members)
        const id = target === 'User' ? (world.ids['$ANN'] as string) : (world.ids['$GROUP'] as string)
        const url = `/${target}s/${id}`
        // A group PATCH answers 204 unless asked for attributes; then it answers the group as GET would.
        const query = target === 'Group' && asksForBody ? '?excludedAttributes=externalId' : ''
        const before = await world.request('GET', `${url}${query}`)
        const auditBefore = await auditLength(world)
        const revisionBefore = await world.store.revision()
        const sent = substitute(template, world.ids, id)
        const response = await world.request('PATCH', `${url}${query}`, JSON.stringify(sent))
        expect(response.status, JSON.stringify(response.body)).toBeLessThan(500)
        const after = await world.request('GET', `${url}${query}`)
        if (response.status >= 400) {
          outcomes.refused++
          expectErrorBody(response)
          expect(after.body).toEqual(before.body)
          expect(after.headers.get('etag')).toBe(before.headers.get('etag'))
          expect(await auditLength(world)).toBe(auditBefore)
          expect(await world.store.revision()).toBe(revisionBefore)
          return
        }
        outcomes.accepted++
        expect(response.status).toBe(target === 'User' || query !== '' ? 200 : 204)
        expect(response.headers.get('etag')).toBe(after.headers.get('etag'))
        expect(after.body.meta.version).toBe(after.headers.get('etag'))
        if (response.status === 200) expect(response.body).toEqual(after.body)
        expectWellFormed(after.body, target === 'User' ? userSchemaUrn : groupSchemaUrn)
        expect(await auditLength(world)).toBe(auditBefore + 1)
        expect(await world.store.revision()).toBe(revisionBefore + 1)
      }),
      { seed, numRuns: 250 },
    )
    // Neither half of the property holds vacuously: the generators give both outcomes often.
    expect(outcomes.accepted).toBeGreaterThan(60)
    expect(outcomes.refused).toBeGreaterThan(60)
  }, 60_000)

  it('adds or removes the same member again without changing the group any further', async () => {
    const memberOp = fc.record({
      op: fc.oneof(anyCase('add'), anyCase('remove')),
      who: member.filter((name) => name !== '$GROUP' && name !== '$NOBODY'),
      shape: fc.constantFrom('path filter', 'value', 'path-less value'),
    })
    await fc.assert(
      fc.asyncProperty(startMembers, fc.array(memberOp, { minLength: 1, maxLength: 4 }), fc.integer({ min: 2, max: 3 }), async (members, operations, times) => {
        const world = await aWorld({}, members)
        const url = `/Groups/${world.ids['$GROUP']}`
        const operationsOf = (step: { op: string; who: string; shape: string }) => {
          const id = world.ids[step.who] as string
          const isRemove = step.op.toLowerCase() === 'remove'
          if (step.shape === 'path filter' && isRemove) return { op: step.op, path: `members[value eq "${id}"]` }
          if (step.shape === 'path-less value' && !isRemove) return { op: step.op, value: { members: [{ value: id }] } }
          return { op: step.op, path: 'members', value: [{ value: id }] }
        }
        const body = { schemas: [patchUrn], Operations: operations.map(operationsOf) }
        const once = await world.request('PATCH', url, body)
        expect(once.status, JSON.stringify(once.body)).toBe(204)
        const afterOnce = (await world.request('GET', url)).body
        for (let i = 1; i < times; i++) expect((await world.request('PATCH', url, body)).status).toBe(204)
        const afterAll = (await world.request('GET', url)).body
        const { meta: _once, ...onceResource } = afterOnce
        const { meta: _all, ...allResource } = afterAll
        expect(allResource).toEqual(onceResource)
        // And what the operations say: each member is in the group as the last operation naming it left it.
        const expected = new Set(members.map((name) => world.ids[name] as string))
        for (const step of operations) {
          const id = world.ids[step.who] as string
          if (step.op.toLowerCase() === 'add') expected.add(id)
          else expected.delete(id)
        }
        expect(new Set((afterAll.members ?? []).map((item: Json) => item.value))).toEqual(expected)
      }),
      { seed, numRuns: 80 },
    )
  }, 60_000)
})
