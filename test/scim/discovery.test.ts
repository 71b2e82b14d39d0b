import { describe, expect, it } from 'vitest'
import { enterpriseUrn, groupSchemaUrn, scimFixture, userSchemaUrn, type Json } from '../helpers/scim.js'

async function anonymous(path: string) {
  const { app } = await scimFixture()
  const response = await app.request(`http://localhost/scim/v2${path}`)
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Json }
}

describe('scim discovery', () => {
  it('serves ServiceProviderConfig without auth, advertising limits', async () => {
    const { status, type, body } = await anonymous('/ServiceProviderConfig')
    expect(status).toBe(200)
    expect(type).toBe('application/scim+json')
    expect(body).toMatchObject({
      patch: { supported: true },
      filter: { supported: true, maxResults: 1000 },
      sort: { supported: true },
      etag: { supported: true },
      bulk: { supported: false, maxPayloadSize: 4 * 1024 * 1024 },
      changePassword: { supported: false },
      authenticationSchemes: [{ type: 'oauthbearertoken', primary: true }],
    })
  })

  it('lists schemas and serves each by id', async () => {
    const { body } = await anonymous('/Schemas')
    expect(body.Resources.map((schema: { id: string }) => schema.id)).toEqual([userSchemaUrn, enterpriseUrn, groupSchemaUrn])
    const user = await anonymous(`/Schemas/${userSchemaUrn}`)
    const userName = user.body.attributes.find((attribute: { name: string }) => attribute.name === 'userName')
    expect(userName).toMatchObject({ type: 'string', required: true, caseExact: false, uniqueness: 'server' })
    expect((await anonymous('/Schemas/urn:nope')).status).toBe(404)
  })

  it('lists resource types and serves each by name', async () => {
    const { body } = await anonymous('/ResourceTypes')
    expect(body.totalResults).toBe(2)
    const user = await anonymous('/ResourceTypes/User')
    expect(user.body).toMatchObject({ id: 'User', endpoint: '/Users', schema: userSchemaUrn, schemaExtensions: [{ schema: enterpriseUrn, required: false }] })
    expect((await anonymous('/ResourceTypes/Group')).body.endpoint).toBe('/Groups')
    expect((await anonymous('/ResourceTypes/Device')).status).toBe(404)
  })
})
