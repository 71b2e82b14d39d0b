import { describe, expect, it } from 'vitest'
import { aUser, enterpriseUrn, patch, scimFixture, userSchemaUrn } from '../helpers/scim.js'

// Bodies are sent as raw JSON text: JSON.stringify would already have rewritten the numbers under test.
describe('scim string attributes given JSON numbers', () => {
  it.each([
    ['userName', `{"schemas":["${userSchemaUrn}"],"userName":123456789012345678901234567890}`, 'userName'],
    ['employeeNumber', `{"schemas":["${userSchemaUrn}","${enterpriseUrn}"],"userName":"n@x.com","${enterpriseUrn}":{"employeeNumber":12345678901234567890}}`, 'employeeNumber'],
    ['a flattened employeeNumber', `{"userName":"n@x.com","${enterpriseUrn}:employeeNumber":9007199254740993}`, 'employeeNumber'],
    ['a fraction', '{"userName":"n@x.com","title":1.5}', 'title'],
    ['a sub-attribute', '{"userName":"n@x.com","emails":[{"value":1e21}]}', 'emails.value'],
  ])('refuses %s that would not survive the conversion, with 400 invalidValue', async (_name, body, attribute) => {
    const { request } = await scimFixture()
    const response = await request('POST', '/Users', body)
    expect(response.status).toBe(400)
    expect(response.body.scimType).toBe('invalidValue')
    expect(response.body.detail).toContain(attribute)
    expect(response.body.detail).toMatch(/send this one as a string/)
    expect((await request('GET', '/Users')).body.totalResults).toBe(0)
  })

  it('refuses them in PUT and PATCH too, changing nothing', async () => {
    const { request } = await scimFixture()
    const { body: user } = await request('POST', '/Users', aUser('n@x.com'))
    const bodies: [string, string][] = [
      ['PUT', `{"userName":"n@x.com","${enterpriseUrn}":{"employeeNumber":12345678901234567890}}`],
      ['PATCH', JSON.stringify(patch({ op: 'replace', path: `${enterpriseUrn}:employeeNumber`, value: 0 })).replace('"value":0', '"value":12345678901234567890')],
      ['PATCH', JSON.stringify(patch({ op: 'replace', value: { userName: 0 } })).replace('"userName":0', '"userName":123456789012345678901234567890')],
      ['PATCH', JSON.stringify(patch({ op: 'replace', path: enterpriseUrn, value: { employeeNumber: 0 } })).replace('"employeeNumber":0', '"employeeNumber":1e300')],
    ]
    for (const [method, body] of bodies) {
      const response = await request(method, `/Users/${user.id}`, body)
      expect(response.status, body).toBe(400)
      expect(response.body.scimType).toBe('invalidValue')
    }
    const after = await request('GET', `/Users/${user.id}`)
    expect(after.body.userName).toBe('n@x.com')
    expect(after.body.meta.version).toBe(user.meta.version)
  })

  it('keeps the leniency IdPs rely on: safe integers as their digits, booleans as text, Entra\'s "True"/"False"', async () => {
    const { request } = await scimFixture()
    const created = await request(
      'POST',
      '/Users',
      `{"userName":"n@x.com","externalId":9007199254740991,"title":true,"active":"False","${enterpriseUrn}":{"employeeNumber":12345,"costCenter":-7}}`,
    )
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    expect(created.body).toMatchObject({ externalId: '9007199254740991', title: 'true', active: false, [enterpriseUrn]: { employeeNumber: '12345', costCenter: '-7' } })
  })
})
