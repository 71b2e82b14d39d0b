// Values no IdP sends (control characters, lone surrogates, bytes that are not UTF-8, outsize identifiers) are refused
// with 400 and change nothing (RFC 7644 §3.12), on every write of Users and Groups; TAB/LF/CR only in free text.
import { describe, expect, it } from 'vitest'
import { createScimApp } from '../../src/scim/app.js'
import { jsonPlaceAt, valueLimits } from '../../src/scim/text.js'
import { aUser, enterpriseUrn, groupSchemaUrn, patch, scimFixture, userSchemaUrn, type Json } from '../helpers/scim.js'

type Fixture = Awaited<ReturnType<typeof scimFixture>>

/** What a refused write must leave as it was: every resource as read back, the audit log and the revision. */
async function state({ store, request }: Fixture) {
  const users = await request('GET', '/Users?attributes=userName,displayName,externalId,name,emails,addresses,title,groups,urn:example:custom:2.0:User')
  const groups = await request('GET', '/Groups')
  return { users: users.body, groups: groups.body, audit: await store.exportAudit(() => {}), revision: await store.revision() }
}

/** A fixture with one user and one group holding them, and a way to send raw bytes. */
async function populated() {
  const fixture = await scimFixture()
  const user = (await fixture.request('POST', '/Users', aUser('ann@acme.example', { externalId: 'e-1' }))).body
  const group = (await fixture.request('POST', '/Groups', { schemas: [groupSchemaUrn], displayName: 'admins', members: [{ value: user.id }] })).body
  const bytes = async (method: string, path: string, body: Uint8Array) => {
    const response = await fixture.app.request(`http://localhost/scim/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${fixture.client.token}`, 'content-type': 'application/scim+json' },
      body,
    })
    return { status: response.status, body: (await response.json()) as Json }
  }
  return { ...fixture, user, group, bytes }
}

function expectRefused(response: { status: number; body: Json }, scimType: string, detail: RegExp | string, what = ''): void {
  expect(response.status, `${what}: ${JSON.stringify(response.body)}`).toBe(400)
  expect(response.body.schemas, what).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error'])
  expect(response.body.status, what).toBe('400')
  expect(response.body.scimType, what).toBe(scimType)
  if (typeof detail === 'string') expect(response.body.detail, what).toContain(detail)
  else expect(response.body.detail, what).toMatch(detail)
}

const controls = ['\u0000', '\u0001', '\u0008', '\u000B', '\u001B', '\u001F', '\u007F', '\u0080', '\u0085', '\u009F']
const hex = (char: string) => `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`

describe('control characters', () => {
  it.each(controls)('%j is refused in every kind of attribute of a POST /Users, naming it, and nothing is written', async (char) => {
    const fixture = await populated()
    const before = await state(fixture)
    const bodies: [string, Json][] = [
      ['userName', aUser(`bob${char}@acme.example`)],
      ['name.givenName', aUser('bob@acme.example', { name: { givenName: `B${char}b` } })],
      ['emails[0].value', aUser('bob@acme.example', { emails: [{ value: `bob${char}@acme.example` }] })],
      ['addresses[0].formatted', aUser('bob@acme.example', { addresses: [{ formatted: `1 Main St${char}` }] })],
      [`${enterpriseUrn}.department`, { ...aUser('bob@acme.example'), [enterpriseUrn]: { department: `Sa${char}les` } }],
      [`${enterpriseUrn}.manager.value`, { ...aUser('bob@acme.example'), [enterpriseUrn]: { manager: { value: `m${char}` } } }],
      ['urn:example:custom:2.0:User.badge', { ...aUser('bob@acme.example'), 'urn:example:custom:2.0:User': { badge: `b${char}` } }],
      ['nickname2[1]', aUser('bob@acme.example', { nickname2: ['ok', `x${char}`] })],
      ['schemas[0]', { ...aUser('bob@acme.example'), schemas: [`${userSchemaUrn}${char}`] }],
    ]
    for (const [attribute, body] of bodies) {
      expectRefused(await fixture.request('POST', '/Users', body), 'invalidValue', `${attribute} contains the control character ${hex(char)}`, attribute)
    }
    expect(await state(fixture)).toEqual(before)
  })

  it('is refused in PUT and PATCH of users, with and without a path, in extensions and in value filters', async () => {
    const fixture = await populated()
    const { request, user } = fixture
    const before = await state(fixture)
    const cases: [string, string, Json, string, string][] = [
      ['PUT', 'userName', aUser('ann\u0000@acme.example'), 'invalidValue', 'userName contains the control character U+0000'],
      ['PUT', 'emails', aUser('ann@acme.example', { emails: [{ value: 'a@x' }, { value: 'b\u0007@x' }] }), 'invalidValue', 'emails[1].value contains the control character U+0007'],
      ['PATCH', 'a path', patch({ op: 'replace', path: 'displayName', value: 'Ann\u0000' }), 'invalidValue', 'displayName contains the control character U+0000 (in Operations[0])'],
      ['PATCH', 'a sub-attribute path', patch({ op: 'replace', path: 'name', value: { familyName: 'L\u009b' } }), 'invalidValue', 'name.familyName contains the control character U+009B'],
      ['PATCH', 'no path', patch({ op: 'add', value: { title: 'ok' } }, { op: 'Replace', value: { 'name.givenName': '\u0001' } }), 'invalidValue', 'name.givenName contains the control character U+0001 (in Operations[1])'],
      ['PATCH', 'an extension path', patch({ op: 'replace', path: `${enterpriseUrn}:department`, value: 'x\u007f' }), 'invalidValue', `${enterpriseUrn}:department contains the control character U+007F`],
      ['PATCH', 'a whole extension', patch({ op: 'add', path: enterpriseUrn, value: { manager: { value: '\u0000' } } }), 'invalidValue', `${enterpriseUrn}.manager.value contains`],
      ['PATCH', 'a value filter path', patch({ op: 'add', path: 'emails[type eq "work"].value', value: 'w\u0000@x' }), 'invalidValue', 'emails[type eq "work"].value contains the control character U+0000'],
      ['PATCH', 'a filter literal in a path', patch({ op: 'remove', path: 'emails[value eq "\\u0000"]' }), 'invalidPath', 'contains the control character U+0000'],
    ]
    for (const [method, what, body, scimType, detail] of cases) expectRefused(await request(method, `/Users/${user.id}`, body), scimType, detail, `${method} ${what}`)
    expect(await state(fixture)).toEqual(before)
  })

  it('is refused in POST, PUT and PATCH of groups, members included', async () => {
    const fixture = await populated()
    const { request, user, group } = fixture
    const before = await state(fixture)
    const cases: [string, string, Json, string][] = [
      ['POST', '/Groups', { schemas: [groupSchemaUrn], displayName: 'ops\u0000' }, 'displayName contains the control character U+0000'],
      ['POST', '/Groups', { schemas: [groupSchemaUrn], displayName: 'ops', members: [{ value: `${user.id}\u0000` }] }, 'members[0].value contains the control character U+0000'],
      ['POST', '/Groups', { schemas: [groupSchemaUrn], displayName: 'ops', externalId: '\u0085' }, 'externalId contains the control character U+0085'],
      ['PUT', `/Groups/${group.id}`, { schemas: [groupSchemaUrn], displayName: 'admins\u001b[2J' }, 'displayName contains the control character U+001B'],
      ['PATCH', `/Groups/${group.id}`, patch({ op: 'add', path: 'members', value: [{ value: '\u0000' }] }), 'members[0].value contains the control character U+0000 (in Operations[0])'],
      ['PATCH', `/Groups/${group.id}`, patch({ op: 'replace', value: { displayName: 'a\u0000' } }), 'displayName contains the control character U+0000'],
    ]
    for (const [method, path, body, detail] of cases) expectRefused(await request(method, path, body), 'invalidValue', detail, `${method} ${path}`)
    expect(await state(fixture)).toEqual(before)
  })

  it('is refused in a member name, as a wrong name (invalidSyntax), for it would be kept as sent', async () => {
    const fixture = await populated()
    const before = await state(fixture)
    expectRefused(await fixture.request('POST', '/Users', { ...aUser('bob@acme.example'), 'x\u0000y': 'v' }), 'invalidSyntax', 'the member name "x\\u0000y" in the body contains the control character U+0000')
    expectRefused(await fixture.request('PATCH', `/Users/${fixture.user.id}`, patch({ op: 'add', value: { 'urn:example:custom:2.0:User': { 'b\u0001': 'v' } } })), 'invalidSyntax', 'in urn:example:custom:2.0:User contains')
    expect(await state(fixture)).toEqual(before)
  })
})

describe('tabs and line breaks', () => {
  it('are kept in free text: addresses.formatted (RFC 7643 §4.1.2) and attributes no schema defines', async () => {
    const { request } = await populated()
    const formatted = '1 Main St\r\nSpringfield\tIL\u2028USA'
    const created = await request('POST', '/Users', {
      ...aUser('bob@acme.example', { addresses: [{ formatted, type: 'work' }] }),
      'urn:example:custom:2.0:User': { notes: 'line one\nline two' },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    const read = await request('GET', `/Users/${created.body.id}`)
    expect(read.body.addresses[0].formatted).toBe(formatted)
    expect(read.body['urn:example:custom:2.0:User'].notes).toBe('line one\nline two')
    const patched = await request('PATCH', `/Users/${created.body.id}`, patch({ op: 'replace', path: 'addresses[type eq "work"].formatted', value: 'a\nb' }))
    expect(patched.status).toBe(200)
    expect(patched.body.addresses[0].formatted).toBe('a\nb')
  })

  it.each(['\t', '\n', '\r', '\u2028', '\u2029'])('%j is refused in identifiers and every other attribute the schemas define', async (char) => {
    const fixture = await populated()
    const { request, user, group } = fixture
    const before = await state(fixture)
    const cases: [string, string, Json, string][] = [
      ['POST', '/Users', aUser(`bob${char}@acme.example`), 'userName'],
      ['POST', '/Users', aUser('bob@acme.example', { displayName: `Bob${char}` }), 'displayName'],
      ['POST', '/Users', aUser('bob@acme.example', { externalId: `e${char}` }), 'externalId'],
      ['POST', '/Users', aUser('bob@acme.example', { name: { formatted: `Bob${char}B` } }), 'name.formatted'],
      ['POST', '/Users', aUser('bob@acme.example', { emails: [{ value: `bob@acme.example${char}` }] }), 'emails[0].value'],
      ['POST', '/Users', { ...aUser('bob@acme.example'), [enterpriseUrn]: { manager: { value: `m${char}` } } }, `${enterpriseUrn}:manager.value`],
      ['PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: 'userName', value: `ann${char}@acme.example` }), 'userName'],
      ['PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: 'title', value: `CTO${char}` }), 'title'],
      ['POST', '/Groups', { schemas: [groupSchemaUrn], displayName: `ops${char}` }, 'displayName'],
      ['POST', '/Groups', { schemas: [groupSchemaUrn], displayName: 'ops', members: [{ value: `${user.id}${char}` }] }, 'members[0].value'],
      ['PATCH', `/Groups/${group.id}`, patch({ op: 'add', path: 'members', value: [{ value: `${user.id}${char}` }] }), 'members[0].value'],
      ['PATCH', `/Groups/${group.id}`, patch({ op: 'replace', path: 'externalId', value: `g${char}` }), 'externalId'],
    ]
    for (const [method, path, body, attribute] of cases) {
      const what = char.charCodeAt(0) < 0x20 ? 'control character' : char === '\u2028' ? 'line separator' : 'paragraph separator'
      expectRefused(await request(method, path, body), 'invalidValue', `${attribute} contains the ${what} ${hex(char)}: tabs and line breaks are allowed only in free text`, `${method} ${attribute}`)
    }
    expect(await state(fixture)).toEqual(before)
  })
})

describe('lone surrogates', () => {
  // Raw JSON text: the escapes are what an IdP's bytes would say.
  it.each([
    ['a high surrogate', '\\ud800', 'U+D800'],
    ['a low surrogate', '\\udfff', 'U+DFFF'],
    ['a pair in the wrong order', '\\udc00\\ud800', 'U+DC00'],
    ['a high surrogate at the end', 'ann\\ud83d', 'U+D83D'],
  ])('%s is refused in any string, and nothing is written', async (_what, escape, unit) => {
    const fixture = await populated()
    const { request, user, group } = fixture
    const before = await state(fixture)
    const cases: [string, string, string, string][] = [
      ['POST', '/Users', `{"userName":"${escape}@acme.example"}`, 'userName'],
      ['POST', '/Users', `{"userName":"bob@acme.example","name":{"givenName":"${escape}"}}`, 'name.givenName'],
      ['POST', '/Users', `{"userName":"bob@acme.example","addresses":[{"formatted":"${escape}"}]}`, 'addresses[0].formatted'],
      ['PUT', `/Users/${user.id}`, `{"userName":"ann@acme.example","${enterpriseUrn}":{"department":"${escape}"}}`, `${enterpriseUrn}.department`],
      ['PATCH', `/Users/${user.id}`, JSON.stringify(patch({ op: 'replace', path: 'nickName', value: 'X' })).replace('"X"', `"${escape}"`), 'nickName'],
      ['POST', '/Groups', `{"displayName":"${escape}"}`, 'displayName'],
      ['PATCH', `/Groups/${group.id}`, JSON.stringify(patch({ op: 'add', path: 'members', value: [{ value: 'X' }] })).replace('"X"', `"${escape}"`), 'members[0].value'],
    ]
    for (const [method, path, body, attribute] of cases) {
      expectRefused(await request(method, path, body), 'invalidValue', `${attribute} contains a lone UTF-16 surrogate (${unit})`, `${method} ${attribute}`)
    }
    expect(await state(fixture)).toEqual(before)
  })

  it('a well-formed pair (an emoji outside the BMP) is a character like any other', async () => {
    const { request } = await populated()
    const created = await request('POST', '/Users', '{"userName":"\\ud83d\\ude00@acme.example","displayName":"😀 Ann"}')
    expect(created.status).toBe(201)
    expect(created.body.userName).toBe('😀@acme.example')
    expect(created.body.displayName).toBe('😀 Ann')
  })
})

describe('request bodies that are not UTF-8', () => {
  const encoder = new TextEncoder()
  const join = (...parts: (string | number[])[]) => new Uint8Array(parts.flatMap((part) => (typeof part === 'string' ? [...encoder.encode(part)] : part)))

  it('are refused rather than read with U+FFFD, which would make different bytes one userName', async () => {
    const fixture = await populated()
    const before = await state(fixture)
    // ff fe c3 and ff ff c3 would both read as "a\ufffd\ufffd\ufffd".
    for (const bad of [[0xff, 0xfe, 0xc3], [0xff, 0xff, 0xc3]]) {
      const response = await fixture.bytes('POST', '/Users', join('{"userName":"a', bad, '@acme.example"}'))
      expectRefused(response, 'invalidValue', 'userName is not valid UTF-8 at byte 14 (0xff)')
    }
    expect(await state(fixture)).toEqual(before)
  })

  it.each([
    ['an overlong "/"', [0xc0, 0xaf], 0xc0],
    ['an encoded surrogate', [0xed, 0xa0, 0x80], 0xed],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0xf4],
    ['a lone continuation byte', [0x80], 0x80],
    ['a sequence cut short', [0xe2, 0x82], 0xe2],
    ['Latin-1 text', [0xe9], 0xe9],
  ])('%s in a string is refused with invalidValue naming the attribute, on every write', async (_what, bad, first) => {
    const fixture = await populated()
    const { bytes, user, group } = fixture
    const before = await state(fixture)
    const at = `(0x${first.toString(16)})`
    expectRefused(await bytes('POST', '/Users', join('{"userName":"bob@acme.example","name":{"givenName":"x', bad, '"}}')), 'invalidValue', `name.givenName is not valid UTF-8 at byte 53 ${at}`)
    expectRefused(await bytes('PUT', `/Users/${user.id}`, join('{"userName":"ann@acme.example","emails":[{"value":"a@x"},{"value":"', bad, '"}]}')), 'invalidValue', `emails[1].value is not valid UTF-8`)
    expectRefused(await bytes('PATCH', `/Users/${user.id}`, join(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"title":"`, bad, '"}}]}')), 'invalidValue', 'Operations[0].value.title is not valid UTF-8')
    expectRefused(await bytes('POST', '/Groups', join('{"displayName":"', bad, '"}')), 'invalidValue', 'displayName is not valid UTF-8 at byte 16')
    expectRefused(await bytes('PATCH', `/Groups/${group.id}`, join(`{"Operations":[{"op":"add","path":"members","value":[{"value":"`, bad, '"}]}]}')), 'invalidValue', 'Operations[0].value[0].value is not valid UTF-8')
    expect(await state(fixture)).toEqual(before)
  })

  it('in a member name or between values are malformed bodies (invalidSyntax)', async () => {
    const fixture = await populated()
    const before = await state(fixture)
    expectRefused(await fixture.bytes('POST', '/Users', join('{"userName":"bob@acme.example","x', [0xff], '":1}')), 'invalidSyntax', 'a member name in the body is not valid UTF-8 at byte 33 (0xff)')
    expectRefused(await fixture.bytes('POST', '/Users', join('{"userName":"bob@acme.example",', [0xff], '}')), 'invalidSyntax', 'request body is not valid UTF-8 at byte 31 (0xff)')
    expectRefused(await fixture.bytes('POST', '/Users/.search', join('{"filter":"userName eq \\"', [0xfe], '\\""}')), 'invalidValue', 'filter is not valid UTF-8')
    expect(await state(fixture)).toEqual(before)
  })

  it('valid UTF-8 in every length of sequence is read as sent, a leading byte order mark dropped', async () => {
    const { bytes } = await populated()
    const created = await bytes('POST', '/Users', join([0xef, 0xbb, 0xbf], '{"userName":"josé.ünal-€-😀@acme.example"}'))
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    expect(created.body.userName).toBe('josé.ünal-€-😀@acme.example')
  })

  it('jsonPlaceAt finds the attribute a prefix of the body ends in', () => {
    expect(jsonPlaceAt('{"a":[1,{"b\\"":"x')).toEqual({ kind: 'value', path: 'a[1].b"' })
    expect(jsonPlaceAt('{"a":{"b":"1","c')).toEqual({ kind: 'name', path: 'a' })
    expect(jsonPlaceAt('{"a":[1,')).toBeUndefined()
  })
})

describe('lengths', () => {
  it('userName, displayName and externalId may be as long as their documented limits, and no longer', async () => {
    const fixture = await populated()
    const { request, user, group } = fixture
    // Counted in characters: an emoji outside the BMP (two UTF-16 units) is one.
    const atLimit = `${'😀'.repeat(valueLimits.userName - '@acme.example'.length)}@acme.example`
    const created = await request('POST', '/Users', aUser(atLimit, { displayName: 'd'.repeat(valueLimits.displayName), externalId: 'x'.repeat(valueLimits.externalId), emails: [] }))
    expect(created.status, JSON.stringify(created.body).slice(0, 300)).toBe(201)
    expect((await request('POST', '/Groups', { displayName: 'g'.repeat(valueLimits.displayName) })).status).toBe(201)

    const before = await state(fixture)
    const cases: [string, string, Json, string, number][] = [
      ['POST', '/Users', aUser(`${'a'.repeat(valueLimits.userName)}@x`), 'userName', valueLimits.userName],
      ['POST', '/Users', aUser(`${'😀'.repeat(valueLimits.userName + 1)}`), 'userName', valueLimits.userName],
      ['POST', '/Users', aUser('bob@acme.example', { displayName: 'd'.repeat(valueLimits.displayName + 1) }), 'displayName', valueLimits.displayName],
      ['POST', '/Users', aUser('bob@acme.example', { externalId: 'x'.repeat(valueLimits.externalId + 1) }), 'externalId', valueLimits.externalId],
      ['PUT', `/Users/${user.id}`, aUser('a'.repeat(1024 * 1024)), 'userName', valueLimits.userName],
      ['PATCH', `/Users/${user.id}`, patch({ op: 'replace', path: 'userName', value: 'a'.repeat(valueLimits.userName + 1) }), 'userName', valueLimits.userName],
      ['PATCH', `/Users/${user.id}`, patch({ op: 'replace', value: { externalId: 'x'.repeat(valueLimits.externalId + 1) } }), 'externalId', valueLimits.externalId],
      ['POST', '/Groups', { displayName: 'g'.repeat(valueLimits.displayName + 1) }, 'displayName', valueLimits.displayName],
      ['PATCH', `/Groups/${group.id}`, patch({ op: 'replace', path: 'displayName', value: 'g'.repeat(valueLimits.displayName + 1) }), 'displayName', valueLimits.displayName],
      ['POST', '/Users', aUser('bob@acme.example', { title: 't'.repeat(valueLimits.string + 1) }), 'title', valueLimits.string],
      ['POST', '/Users', { ...aUser('bob@acme.example'), 'urn:example:custom:2.0:User': { blob: 'b'.repeat(valueLimits.string + 1) } }, 'urn:example:custom:2.0:User.blob', valueLimits.string],
      ['PATCH', `/Users/${user.id}`, patch({ op: 'add', path: 'x509Certificates', value: [{ value: 'M'.repeat(valueLimits.string + 1) }] }), 'x509Certificates[0].value', valueLimits.string],
    ]
    for (const [method, path, body, attribute, limit] of cases) {
      expectRefused(await request(method, path, body), 'invalidValue', new RegExp(`^${attribute.replace(/[.[\]]/g, '\\$&')} is \\d+ characters long; at most ${limit} are accepted`), `${method} ${attribute}`)
    }
    expect(await state(fixture)).toEqual(before)
  })

  it('a long string below the general limit is kept (a certificate, free text)', async () => {
    const { request } = await populated()
    const certificate = 'M'.repeat(valueLimits.string)
    const created = await request('POST', '/Users', aUser('bob@acme.example', { x509Certificates: [{ value: certificate }] }))
    expect(created.status).toBe(201)
    expect(created.body.x509Certificates[0].value).toHaveLength(valueLimits.string)
  })

  it('a user stored before the limits can still be deactivated: only what a PATCH changes is checked', async () => {
    const { store, client } = await scimFixture()
    const app = createScimApp({ store })
    const long = `${'a'.repeat(2000)}@acme.example`
    const stored = await store.createUser('okta', { schemas: [userSchemaUrn], userName: long, title: 'tab\there', active: true }, { actor: 'test' })
    const send = (body: Json) =>
      app.request(`http://localhost/scim/v2/Users/${stored.id}`, { method: 'PATCH', headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(body) })
    const deactivated = await send(patch({ op: 'replace', value: { active: false } }))
    expect(deactivated.status).toBe(200)
    expect(((await deactivated.json()) as Json).active).toBe(false)
    const renamed = await send(patch({ op: 'replace', path: 'userName', value: `${'b'.repeat(2000)}@acme.example` }))
    expect(renamed.status).toBe(400)
  })

  it('/Schemas says the limits in the descriptions, RFC 7643 having no maxLength characteristic', async () => {
    const { request } = await scimFixture()
    const schemas = (await request('GET', '/Schemas')).body.Resources as Json[]
    const described = (schema: string, name: string) => (schemas.find((item) => item.id === schema).attributes as Json[]).find((item) => item.name === name).description as string
    expect(described(userSchemaUrn, 'userName')).toContain(`At most ${valueLimits.userName} characters`)
    expect(described(userSchemaUrn, 'displayName')).toContain(`At most ${valueLimits.displayName} characters`)
    expect(described(groupSchemaUrn, 'displayName')).toContain(`At most ${valueLimits.displayName} characters`)
    for (const attributes of schemas.map((schema) => schema.attributes as Json[])) expect(attributes.every((item) => !('maxLength' in item))).toBe(true)
  })
})

describe('filters', () => {
  it.each([
    ['an escaped NUL', 'userName eq "ann\\u0000"', 'contains the control character U+0000'],
    ['an escaped C1 control', 'displayName co "\\u0085"', 'contains the control character U+0085'],
    ['an escaped lone surrogate', 'userName sw "\\ud800"', 'contains a lone UTF-16 surrogate (U+D800)'],
    ['a raw NUL in a string', 'userName eq "ann\u0000"', 'bad string'],
    ['a raw NUL outside a string', 'userName eq "ann"\u0000', 'unexpected'],
  ])('%s is invalidFilter, in a query and in a .search body', async (_what, filter, detail) => {
    const { request } = await populated()
    expectRefused(await request('GET', `/Users?filter=${encodeURIComponent(filter)}`), 'invalidFilter', detail)
    expectRefused(await request('POST', '/Groups/.search', { filter }), 'invalidFilter', detail)
    expectRefused(await request('POST', '/Users/.search', { filter }), 'invalidFilter', detail)
  })

  it('a tab or line break in a literal still compares (free text may hold them)', async () => {
    const { request } = await populated()
    const response = await request('GET', `/Users?filter=${encodeURIComponent('title eq "a\\tb"')}`)
    expect(response.status).toBe(200)
    expect(response.body.totalResults).toBe(0)
  })
})
