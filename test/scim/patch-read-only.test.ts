// readOnly members of a PATCH value are ignored, as PUT ignores them (RFC 7644 §3.5.1, §3.5.2); a path that names one is refused.
import { describe, expect, it } from 'vitest'
import { aUser, enterpriseUrn, patch, scimFixture, userSchemaUrn, type Json } from '../helpers/scim.js'

async function aManagedUser() {
  const fixture = await scimFixture()
  // Okta maps managerId to manager.value and manager to manager.displayName, and sends both.
  const created = await fixture.request('POST', '/Users', {
    ...aUser('pat@x.com'),
    schemas: [userSchemaUrn, enterpriseUrn],
    [enterpriseUrn]: { department: 'Risk', manager: { value: 'boss-1', displayName: 'Bo Ss' } },
  })
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  const id = created.body.id as string
  const apply = (...operations: unknown[]) => fixture.request('PATCH', `/Users/${id}`, patch(...operations))
  const read = async () => (await fixture.request('GET', `/Users/${id}`)).body
  return { ...fixture, id, created: created.body as Json, apply, read }
}

/** The parts of a user a write moves whatever it changes. */
function withoutMeta(user: Json): Json {
  const { meta: _meta, ...rest } = user
  return rest
}

describe('scim patch: readOnly members of a value', () => {
  it('ignores the manager.displayName of a POST, which the server alone may set (RFC 7643 §4.3: READ-ONLY)', async () => {
    const { created, read } = await aManagedUser()
    expect(created[enterpriseUrn]).toEqual({ department: 'Risk', manager: { value: 'boss-1' } })
    expect(await read()).toEqual(created)
  })

  it.each([
    [
      'a path-less replace with the extension under its URN, carrying schemas and manager.displayName',
      (_id: string) => ({
        op: 'replace',
        value: { [enterpriseUrn]: { schemas: [enterpriseUrn], department: 'Ops', manager: { value: 'boss-2', displayName: 'Boss Two', $ref: 'https://idp.example/Users/boss-2' } } },
      }),
      { department: 'Ops', manager: { value: 'boss-2', $ref: 'https://idp.example/Users/boss-2' } },
    ],
    [
      'Entra\'s capitalised path-less "Replace" of the whole user, with schemas, id, meta and the extension',
      (id: string) => ({
        op: 'Replace',
        value: {
          schemas: [userSchemaUrn, enterpriseUrn],
          id,
          meta: { resourceType: 'User', version: 'W/"1"' },
          [enterpriseUrn]: { employeeNumber: '42', manager: { value: 'boss-2', displayName: 'Boss Two' } },
        },
      }),
      { department: 'Risk', employeeNumber: '42', manager: { value: 'boss-2' } },
    ],
    [
      'add with the extension URN as path, carrying schemas, id and meta',
      (id: string) => ({ op: 'add', path: enterpriseUrn, value: { schemas: [enterpriseUrn], id, meta: { resourceType: 'User' }, costCenter: 'CC-7' } }),
      { department: 'Risk', costCenter: 'CC-7', manager: { value: 'boss-1' } },
    ],
    [
      'replace with the extension URN as path, manager.displayName included',
      (_id: string) => ({ op: 'replace', path: enterpriseUrn, value: { schemas: [enterpriseUrn], manager: { value: 'boss-3', displayName: 'Boss Three' } } }),
      { department: 'Risk', manager: { value: 'boss-3' } },
    ],
    [
      'replace of the manager with its displayName',
      (_id: string) => ({ op: 'replace', path: `${enterpriseUrn}:manager`, value: { value: 'boss-4', displayName: 'Boss Four' } }),
      { department: 'Risk', manager: { value: 'boss-4' } },
    ],
    ['Entra\'s manager as a bare id', (_id: string) => ({ op: 'Add', path: `${enterpriseUrn}:manager`, value: 'boss-5' }), { department: 'Risk', manager: { value: 'boss-5' } }],
  ])('accepts %s, ignoring the readOnly members', async (_name, operation, expected) => {
    const { id, apply, read } = await aManagedUser()
    const response = await apply(operation(id))
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    expect(response.body[enterpriseUrn]).toEqual(expected)
    expect(response.body.schemas).toEqual([userSchemaUrn, enterpriseUrn])
    expect(await read()).toEqual(response.body)
  })

  it('accepts the whole user as GET returned it, changed, as a path-less replace (meta and id ignored)', async () => {
    const { apply, read } = await aManagedUser()
    const before = await read()
    const response = await apply({ op: 'replace', value: { ...before, displayName: 'Pat Renamed' } })
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    expect(withoutMeta(response.body)).toEqual({ ...withoutMeta(before), displayName: 'Pat Renamed' })
    expect(response.body.meta.created).toBe(before.meta.created)
    expect(response.body.meta.version).not.toBe(before.meta.version)
  })

  it('ignores meta and groups given in a path-less value, named plainly or by the core URN', async () => {
    const { apply, read } = await aManagedUser()
    const before = await read()
    const response = await apply(
      { op: 'replace', value: { meta: { version: 'W/"9"', created: '1999-01-01T00:00:00Z' }, groups: [{ value: 'g' }], title: 'CTO' } },
      { op: 'add', value: { [`${userSchemaUrn}:meta`]: { created: 'x' } } },
    )
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    expect(withoutMeta(response.body)).toEqual({ ...withoutMeta(before), title: 'CTO' })
    expect(response.body.meta.created).toBe(before.meta.created)
  })

  it.each([
    ['a path naming manager.displayName', { op: 'replace', path: `${enterpriseUrn}:manager.displayName`, value: 'Boss' }],
    ['a path naming meta', { op: 'replace', path: 'meta', value: { created: '2020-01-01T00:00:00Z' } }],
    ['a path naming id', { op: 'replace', path: 'id', value: 'another' }],
    ['a path naming groups', { op: 'add', path: 'groups', value: [{ value: 'g' }] }],
    ['a path-less value with another resource\'s id', { op: 'replace', value: { id: 'another', title: 'CTO' } }],
  ])('still refuses %s with 400 mutability, changing nothing', async (_name, operation) => {
    const { apply, read } = await aManagedUser()
    const before = await read()
    const response = await apply({ op: 'replace', path: 'title', value: 'changed first' }, operation)
    expect(response.status).toBe(400)
    expect(response.body).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'mutability', detail: expect.any(String) })
    expect(await read()).toEqual(before)
  })

  it('ignores manager.displayName in a PUT as in a POST', async () => {
    const { request, id } = await aManagedUser()
    const response = await request('PUT', `/Users/${id}`, {
      ...aUser('pat@x.com'),
      schemas: [userSchemaUrn, enterpriseUrn],
      [enterpriseUrn]: { manager: { value: 'boss-9', displayName: 'Nine' } },
    })
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    expect(response.body[enterpriseUrn]).toEqual({ manager: { value: 'boss-9' } })
  })
})
