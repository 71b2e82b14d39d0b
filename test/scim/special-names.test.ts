// Names JavaScript objects treat specially (`__proto__`, `constructor`, `toString`…) in SCIM bodies, paths, filters and sorts.
import { describe, expect, it } from 'vitest'
import type { JsonObject } from '../../src/store/store.js'
import { enterpriseUrn, groupSchemaUrn, patchUrn, scimFixture, userSchemaUrn, type ScimResponse } from '../helpers/scim.js'

const errorUrn = 'urn:ietf:params:scim:api:messages:2.0:Error'
const acmeUrn = 'urn:example:acme:2.0:User'

/** Bodies are raw JSON text: in a JavaScript object literal, `__proto__:` would set the prototype, not send a key. */
function patchText(operations: string): string {
  return `{"schemas":["${patchUrn}"],"Operations":${operations}}`
}

function expectRefused(response: ScimResponse, scimType: string, detail: string): void {
  expect(response.status).toBe(400)
  expect(response.body).toEqual({ schemas: [errorUrn], status: '400', scimType, detail: expect.stringContaining(detail) })
}

/** A user with a name, an enterprise extension and an email, and the resource GET returns for it. */
async function storedUser() {
  const fixture = await scimFixture()
  const created = await fixture.request('POST', '/Users', {
    schemas: [userSchemaUrn, enterpriseUrn],
    userName: 'kept@example.com',
    name: { givenName: 'Kept', familyName: 'Test' },
    emails: [{ value: 'kept@example.com', type: 'work', primary: true }],
    [enterpriseUrn]: { department: 'Security' },
  })
  expect(created.status).toBe(201)
  const id = created.body.id as string
  const before = (await fixture.request('GET', `/Users/${id}`)).body
  /** GET shows the user exactly as before: same attributes, same version, nothing inherited or lost. */
  const expectUnchanged = async () => {
    const after = await fixture.request('GET', `/Users/${id}`)
    expect(after.body).toEqual(before)
    expect(JSON.stringify(after.body)).not.toContain('inherited')
  }
  return { ...fixture, id, before, expectUnchanged }
}

describe('scim special names: a key named __proto__ in a body', () => {
  it.each([
    ['at the top level', `{"schemas":["${userSchemaUrn}"],"userName":"proto@example.com","__proto__":{"displayName":"inherited"}}`, '"__proto__"'],
    ['as the only carrier of a required attribute', `{"schemas":["${userSchemaUrn}"],"__proto__":{"userName":"proto@example.com"}}`, '"__proto__"'],
    ['inside name', `{"userName":"proto@example.com","name":{"givenName":"P","__proto__":{"familyName":"inherited"}}}`, '"name.__proto__"'],
    ['inside the enterprise extension', `{"userName":"proto@example.com","${enterpriseUrn}":{"department":"D","__proto__":{"costCenter":"inherited"}}}`, `"${enterpriseUrn}.__proto__"`],
    ['inside an extension kept as sent', `{"userName":"proto@example.com","${acmeUrn}":{"__proto__":{"badge":"inherited"}}}`, `"${acmeUrn}.__proto__"`],
    ['inside an unknown attribute kept as sent', `{"userName":"proto@example.com","custom":{"__proto__":{"x":"inherited"}}}`, '"custom.__proto__"'],
    ['inside an email', `{"userName":"proto@example.com","emails":[{"value":"proto@example.com","__proto__":{"primary":true}}]}`, '"emails[0].__proto__"'],
    ['spelt with a \\u escape', `{"userName":"proto@example.com","\\u005f_proto__":{"displayName":"inherited"}}`, '"__proto__"'],
  ])('refuses POST /Users with it %s, and creates no user', async (_case, body, at) => {
    const { request } = await scimFixture()
    expectRefused(await request('POST', '/Users', body), 'invalidSyntax', `${at}: "__proto__" is not an attribute name`)
    expect((await request('GET', '/Users')).body.totalResults).toBe(0)
  })

  it('refuses POST /Groups with it, and creates no group', async () => {
    const { request } = await scimFixture()
    const body = `{"schemas":["${groupSchemaUrn}"],"displayName":"proto","__proto__":{"externalId":"inherited"}}`
    expectRefused(await request('POST', '/Groups', body), 'invalidSyntax', '"__proto__"')
    expect((await request('GET', '/Groups')).body.totalResults).toBe(0)
  })

  it.each([
    ['at the top level', `{"schemas":["${userSchemaUrn}"],"userName":"kept@example.com","__proto__":{"title":"inherited"}}`],
    ['inside name', `{"userName":"kept@example.com","name":{"givenName":"Changed","__proto__":{"familyName":"inherited"}}}`],
    ['inside the enterprise extension', `{"userName":"kept@example.com","${enterpriseUrn}":{"department":"Changed","__proto__":{"costCenter":"inherited"}}}`],
  ])('refuses PUT with it %s, and leaves the user as it was', async (_case, body) => {
    const { request, id, expectUnchanged } = await storedUser()
    expectRefused(await request('PUT', `/Users/${id}`, body), 'invalidSyntax', '__proto__')
    await expectUnchanged()
  })
})

describe('scim special names: PATCH naming __proto__', () => {
  it.each([
    ['a path', '[{"op":"add","path":"__proto__","value":{"title":"inherited"}}]', 'invalidPath', '"__proto__" is not a valid attribute path'],
    ['a sub-attribute path', '[{"op":"replace","path":"name.__proto__","value":{"familyName":"inherited"}}]', 'invalidPath', '"name.__proto__" is not a valid attribute path'],
    ['an extension attribute path', `[{"op":"add","path":"${enterpriseUrn}:__proto__","value":"inherited"}]`, 'invalidPath', 'is not a valid attribute path'],
    ['a value filter', '[{"op":"replace","path":"emails[__proto__ eq \\"x\\"].value","value":"inherited@example.com"}]', 'invalidPath', '"__proto__" is not a valid sub-attribute'],
    ['a dotted key of a path-less value', '[{"op":"replace","value":{"name.__proto__":{"familyName":"inherited"}}}]', 'invalidPath', '"name.__proto__" is not a valid attribute path'],
    ['a key of a path-less value', '[{"op":"add","value":{"__proto__":{"title":"inherited"}}}]', 'invalidSyntax', '"Operations[0].value.__proto__"'],
    ['a key inside name in a path-less value', '[{"op":"replace","value":{"name":{"__proto__":{"familyName":"inherited"}}}}]', 'invalidSyntax', '"Operations[0].value.name.__proto__"'],
    ['a key of the value for name', '[{"op":"replace","path":"name","value":{"givenName":"Changed","__proto__":{"familyName":"inherited"}}}]', 'invalidSyntax', '"Operations[0].value.__proto__"'],
    ['a key of the value for an extension', `[{"op":"add","path":"${enterpriseUrn}","value":{"__proto__":{"costCenter":"inherited"}}}]`, 'invalidSyntax', '"Operations[0].value.__proto__"'],
    ['a key of an email entry', '[{"op":"add","path":"emails","value":[{"value":"new@example.com","__proto__":{"primary":true}}]}]', 'invalidSyntax', '"Operations[0].value[0].__proto__"'],
    ['a later operation, after a valid one', '[{"op":"replace","path":"displayName","value":"Changed"},{"op":"add","path":"name.__proto__","value":"inherited"}]', 'invalidPath', '"name.__proto__"'],
  ])('refuses %s, and leaves the user as it was', async (_case, operations, scimType, detail) => {
    const { request, id, expectUnchanged } = await storedUser()
    expectRefused(await request('PATCH', `/Users/${id}`, patchText(operations)), scimType, detail)
    await expectUnchanged()
  })

  it('refuses it in a group PATCH, and leaves the group and its members as they were', async () => {
    const { request } = await scimFixture()
    const { body: user } = await request('POST', '/Users', { userName: 'member@example.com' })
    const { body: group } = await request('POST', '/Groups', { displayName: 'admins', members: [{ value: user.id }] })
    const before = (await request('GET', `/Groups/${group.id}`)).body
    for (const operations of [
      '[{"op":"add","value":{"__proto__":{"externalId":"inherited"}}}]',
      '[{"op":"replace","path":"members","value":[{"value":"nobody","__proto__":{"type":"User"}}]}]',
    ]) {
      expectRefused(await request('PATCH', `/Groups/${group.id}`, patchText(operations)), 'invalidSyntax', '__proto__')
    }
    expect((await request('GET', `/Groups/${group.id}`)).body).toEqual(before)
  })
})

describe('scim special names: names of Object.prototype members', () => {
  it.each([
    ['constructor pr', 'unknown attribute "constructor"'],
    ['toString eq "x"', 'unknown attribute "toString"'],
    ['hasOwnProperty pr', 'unknown attribute "hasOwnProperty"'],
    ['__proto__ pr', '"__proto__" is not a valid attribute path'],
    ['name.constructor pr', 'unknown sub-attribute "name.constructor"'],
    ['emails[valueOf eq "x"]', 'unknown sub-attribute "emails.valueOf"'],
    ['emails[__proto__ eq "x"]', '"__proto__" is not a valid sub-attribute'],
    [`${enterpriseUrn}:constructor pr`, `unknown attribute "${enterpriseUrn}:constructor"`],
  ])('refuses the filter %s as naming an unknown attribute', async (filter, detail) => {
    const { request } = await storedUser()
    expectRefused(await request('GET', `/Users?filter=${encodeURIComponent(filter)}`), 'invalidFilter', detail)
    expectRefused(await request('POST', '/Users/.search', { filter }), 'invalidFilter', detail)
  })

  it('refuses a group filter on constructor as on any unknown attribute', async () => {
    const { request } = await scimFixture()
    expectRefused(await request('GET', `/Groups?filter=${encodeURIComponent('constructor pr')}`), 'invalidFilter', 'unknown attribute "constructor"')
  })

  it.each([
    ['constructor', 'unknown attribute "constructor"'],
    ['toString', 'unknown attribute "toString"'],
    ['__proto__', '"__proto__" is not a valid attribute path'],
    ['name.hasOwnProperty', 'unknown sub-attribute "name.hasOwnProperty"'],
    [`${enterpriseUrn}:constructor`, `unknown attribute "${enterpriseUrn}:constructor"`],
  ])('refuses sortBy=%s as naming an unknown attribute', async (sortBy, detail) => {
    const { request } = await storedUser()
    expectRefused(await request('GET', `/Users?sortBy=${encodeURIComponent(sortBy)}`), 'invalidValue', detail)
    expectRefused(await request('POST', '/Users/.search', { sortBy }), 'invalidValue', detail)
  })

  it.each([
    ['constructor', 'unknown attribute "constructor"'],
    ['name.toString', 'unknown sub-attribute "name.toString"'],
    ['emails[constructor eq "x"].value', 'unknown sub-attribute "emails.constructor"'],
  ])('refuses the PATCH path %s as naming an unknown attribute', async (path, detail) => {
    const { request, id, expectUnchanged } = await storedUser()
    expectRefused(await request('PATCH', `/Users/${id}`, patchText(JSON.stringify([{ op: 'replace', path, value: 'x' }]))), 'invalidPath', detail)
    await expectUnchanged()
  })

  it('keeps constructor, toString and hasOwnProperty as sent, as any unknown attribute is kept', async () => {
    const { request } = await scimFixture()
    const odd = '"constructor":"c","toString":"t","hasOwnProperty":"h","bogus":"b"'
    const created = await request('POST', '/Users', `{"userName":"odd@example.com",${odd},"name":{"givenName":"Odd","toString":"t"},"${acmeUrn}":{${odd}}}`)
    expect(created.status).toBe(201)
    const operations = [
      { op: 'add', path: `${acmeUrn}:valueOf.x`, value: '1' },
      { op: 'replace', path: 'displayName', value: 'Odd One' },
    ]
    expect((await request('PATCH', `/Users/${created.body.id}`, patchText(JSON.stringify(operations)))).status).toBe(200)
    const { body: user } = await request('GET', `/Users/${created.body.id}`)
    const kept = { constructor: 'c', toString: 't', hasOwnProperty: 'h', bogus: 'b' }
    expect(user).toMatchObject({ ...kept, displayName: 'Odd One', name: { givenName: 'Odd', toString: 't' }, [acmeUrn]: { ...kept, valueOf: { x: '1' } } })
    expectRefused(await request('GET', `/Users/${created.body.id}?attributes=constructor`), 'invalidValue', 'unknown attribute "constructor"')
  })
})

describe('scim special names: documents stored before __proto__ was refused', () => {
  it('keeps a stored __proto__ key as data through projection and PATCH', async () => {
    const { request, store } = await scimFixture()
    // What rolecall stored for `"urn:example:acme:2.0:User":{"__proto__":{"badge":"7"}}` when it kept such keys as sent.
    const doc = JSON.parse(`{"schemas":["${userSchemaUrn}","${acmeUrn}"],"userName":"legacy@example.com","${acmeUrn}":{"__proto__":{"badge":"7"}}}`) as JsonObject
    const user = await store.createUser('okta', doc, { actor: 'test' })
    const legacy = '{"__proto__":{"badge":"7"}}'
    const projected = await request('GET', `/Users/${user.id}?excludedAttributes=displayName`)
    expect(JSON.stringify(projected.body[acmeUrn])).toBe(legacy)
    const patched = await request('PATCH', `/Users/${user.id}`, patchText('[{"op":"replace","path":"displayName","value":"Legacy"}]'))
    expect(patched.status).toBe(200)
    expect(patched.body.displayName).toBe('Legacy')
    expect(JSON.stringify(patched.body[acmeUrn])).toBe(legacy)
  })
})
