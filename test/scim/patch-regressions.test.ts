// PATCH requests the property tests (patch.property.test.ts) found mishandled, each as the smallest request that showed it.
import { describe, expect, it } from 'vitest'
import { aUser, patch, scimFixture, userSchemaUrn } from '../helpers/scim.js'

async function aPerson(extra: Record<string, unknown> = {}) {
  const fixture = await scimFixture()
  const created = await fixture.request('POST', '/Users', aUser('pat@x.com', extra))
  expect(created.status, JSON.stringify(created.body)).toBe(201)
  const id = created.body.id as string
  const apply = (...operations: unknown[]) => fixture.request('PATCH', `/Users/${id}`, patch(...operations))
  const read = async () => (await fixture.request('GET', `/Users/${id}`)).body
  return { ...fixture, id, apply, read }
}

describe('scim patch regressions', () => {
  it('adds nothing for an add of null to a multi-valued attribute (it answered 500)', async () => {
    const { apply, read } = await aPerson()
    const before = await read()
    const response = await apply({ op: 'add', path: 'x509Certificates', value: null }, { op: 'add', path: 'emails', value: null })
    expect(response.status, JSON.stringify(response.body)).toBe(200)
    const { meta: _meta, ...resource } = response.body
    const { meta: _before, ...unchanged } = before
    expect(resource).toEqual(unchanged)
  })

  it('drops an extension rolecall does not define once its last attribute is removed (it stayed as {}, listed in schemas)', async () => {
    const { apply } = await aPerson()
    const added = await apply({ op: 'add', path: 'urn:example:ext:1.0:User:color', value: 'teal' })
    expect(added.body['urn:example:ext:1.0:User']).toEqual({ color: 'teal' })
    expect(added.body.schemas).toEqual([userSchemaUrn, 'urn:example:ext:1.0:User'])
    const removed = await apply({ op: 'remove', path: 'urn:example:ext:1.0:User:color' })
    expect(removed.status).toBe(200)
    expect(removed.body.schemas).toEqual([userSchemaUrn])
    expect(Object.keys(removed.body)).not.toContain('urn:example:ext:1.0:User')
  })
})
