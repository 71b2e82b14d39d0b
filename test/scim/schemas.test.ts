// /Schemas as a strict client reads it: every attribute with every RFC 7643 §7 characteristic, references with their types.
import { describe, expect, it } from 'vitest'
import { allSchemas, commonAttributes, type AttrDef } from '../../src/scim/schemas.js'
import { enterpriseUrn, groupSchemaUrn, scimFixture, userSchemaUrn, type Json } from '../helpers/scim.js'

const types = ['string', 'boolean', 'decimal', 'integer', 'dateTime', 'reference', 'binary', 'complex']
const mutabilities = ['readOnly', 'readWrite', 'immutable', 'writeOnly']
const returns = ['always', 'never', 'default', 'request']
const uniquenesses = ['none', 'server', 'global']

async function anonymous(path: string): Promise<Json> {
  const { app } = await scimFixture()
  const response = await app.request(`http://localhost/scim/v2${path}`)
  expect(response.status).toBe(200)
  return response.json()
}

/** Every attribute of a schema, sub-attributes included, with its dotted path. */
function walk(attributes: Json[], parent = ''): [string, Json][] {
  return attributes.flatMap((attribute: Json) => {
    const path = `${parent}${attribute.name}`
    return [[path, attribute] as [string, Json], ...walk(attribute.subAttributes ?? [], `${path}.`)]
  })
}

/** What RFC 7643 §7 asks of one attribute definition; a list of what is wrong with it. */
function problemsOf(path: string, attribute: Json, isSub: boolean): string[] {
  const problems: string[] = []
  const expect = (holds: boolean, what: string) => {
    if (!holds) problems.push(`${path}: ${what}`)
  }
  expect(typeof attribute.name === 'string' && /^[A-Za-z$][\w$-]*$/.test(attribute.name), 'name is an ATTRNAME (RFC 7643 §2.1)')
  expect(types.includes(attribute.type), `type ${String(attribute.type)} is one of RFC 7643 §2.3`)
  expect(typeof attribute.multiValued === 'boolean', 'multiValued is a boolean')
  expect(typeof attribute.description === 'string' && attribute.description !== '', 'description is a non-empty string')
  expect(typeof attribute.required === 'boolean', 'required is a boolean')
  expect(typeof attribute.caseExact === 'boolean', 'caseExact is a boolean')
  expect(mutabilities.includes(attribute.mutability), 'mutability is one of RFC 7643 §7')
  expect(returns.includes(attribute.returned), 'returned is one of RFC 7643 §7')
  expect(uniquenesses.includes(attribute.uniqueness), 'uniqueness is one of RFC 7643 §7')
  if (attribute.canonicalValues !== undefined) {
    expect(Array.isArray(attribute.canonicalValues) && attribute.canonicalValues.every((value: Json) => typeof value === 'string'), 'canonicalValues are strings')
  }
  if (attribute.type === 'reference') {
    expect(
      Array.isArray(attribute.referenceTypes) && attribute.referenceTypes.length > 0 && attribute.referenceTypes.every((value: Json) => typeof value === 'string' && value !== ''),
      'a reference declares a non-empty referenceTypes (RFC 7643 §7: REQUIRED)',
    )
  } else {
    expect(attribute.referenceTypes === undefined, 'referenceTypes only on a reference')
  }
  if (attribute.type === 'complex') {
    expect(Array.isArray(attribute.subAttributes) && attribute.subAttributes.length > 0, 'a complex attribute lists its subAttributes')
    // RFC 7643 §2.3.8: "A complex attribute MUST NOT contain sub-attributes that have sub-attributes".
    expect(!isSub, 'a sub-attribute is not complex')
  } else {
    expect(attribute.subAttributes === undefined, 'subAttributes only on a complex attribute')
  }
  return problems
}

function problemsOfSchema(attributes: Json[]): string[] {
  return walk(attributes).flatMap(([path, attribute]) => problemsOf(path, attribute, path.includes('.')))
}

describe('scim schemas (RFC 7643 §7)', () => {
  it('gives every attribute of every served schema, sub-attributes included, every characteristic RFC 7643 §7 lists', async () => {
    const list = await anonymous('/Schemas')
    expect(list.Resources.map((schema: Json) => schema.id)).toEqual([userSchemaUrn, enterpriseUrn, groupSchemaUrn])
    for (const listed of list.Resources) {
      // /Schemas/{id} serves what the list does, so a client that reads either sees the same definitions.
      expect(await anonymous(`/Schemas/${listed.id}`)).toEqual(listed)
      expect(listed).toMatchObject({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'], id: expect.any(String), name: expect.any(String), description: expect.any(String) })
      expect(walk(listed.attributes).length).toBeGreaterThan(1)
      expect(problemsOfSchema(listed.attributes)).toEqual([])
    }
  })

  it('holds the definitions it uses but does not serve (id, externalId, meta: RFC 7643 §3.1) to the same rules', () => {
    const served = allSchemas.flatMap((schema) => schema.attributes)
    const json = JSON.parse(JSON.stringify([...commonAttributes, ...served])) as AttrDef[]
    expect(walk(json).map(([path]) => path)).toContain('meta.location')
    expect(problemsOfSchema(json)).toEqual([])
  })

  it.each([
    [userSchemaUrn, 'profileUrl', ['external']],
    [userSchemaUrn, 'photos.value', ['external']],
    [userSchemaUrn, 'groups.$ref', ['Group']],
    [enterpriseUrn, 'manager.$ref', ['User']],
    [groupSchemaUrn, 'members.$ref', ['User']],
  ])('declares %s %s with referenceTypes %j', async (urn, path, referenceTypes) => {
    const schema = await anonymous(`/Schemas/${urn}`)
    const found = walk(schema.attributes).find(([candidate]) => candidate === path)
    expect(found?.[1]).toMatchObject({ type: 'reference', referenceTypes })
  })

  it('lists every reference attribute in the table above (a new one needs its referenceTypes checked there)', async () => {
    const list = await anonymous('/Schemas')
    const references = list.Resources.flatMap((schema: Json) => walk(schema.attributes).filter(([, attribute]) => attribute.type === 'reference').map(([path]) => `${schema.name}:${path}`))
    expect(references).toEqual(['User:profileUrl', 'User:photos.value', 'User:groups.$ref', 'EnterpriseUser:manager.$ref', 'Group:members.$ref'])
  })

  it('names, in each resource type, schemas that /Schemas serves', async () => {
    const resourceTypes = await anonymous('/ResourceTypes')
    for (const type of resourceTypes.Resources) {
      for (const urn of [type.schema, ...type.schemaExtensions.map((extension: Json) => extension.schema)]) {
        expect((await anonymous(`/Schemas/${urn}`)).id).toBe(urn)
      }
    }
  })
})
