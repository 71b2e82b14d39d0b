import { beforeAll, describe, expect, it } from 'vitest'
import { enterpriseUrn, scimFixture, userSchemaUrn, type ScimClient } from '../helpers/scim.js'

const people = [
  {
    userName: 'Ada@Example.com',
    externalId: 'ext-ADA',
    title: 'Engineer',
    active: true,
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ value: 'ada@example.com', type: 'work', primary: true }, { value: 'ada@home.example', type: 'home' }],
    [enterpriseUrn]: { employeeNumber: '100', department: 'Engineering', manager: { value: 'm-1' } },
  },
  {
    userName: 'bob@example.com',
    externalId: 'ext-bob',
    title: 'Support',
    active: false,
    name: { givenName: 'Bob', familyName: 'Builder' },
    emails: [{ value: 'bob@example.com', type: 'work' }],
    [enterpriseUrn]: { employeeNumber: '200', department: 'Support' },
  },
  {
    userName: 'cy@corp.example',
    active: true,
    name: { givenName: 'Cy', familyName: 'Lovelace' },
    phoneNumbers: [{ value: '+1 555 0100', type: 'mobile' }],
  },
]

let client: ScimClient

async function names(filter: string): Promise<string[]> {
  const response = await client.request('GET', `/Users?filter=${encodeURIComponent(filter)}&sortBy=userName`)
  expect(response.status, `${filter}: ${JSON.stringify(response.body)}`).toBe(200)
  return response.body.Resources.map((user: { userName: string }) => user.userName.split('@')[0]?.toLowerCase())
}

describe('scim filters', () => {
  beforeAll(async () => {
    const fixture = await scimFixture()
    client = fixture.client
    for (const person of people) await client.request('POST', '/Users', { schemas: [userSchemaUrn, enterpriseUrn], ...person })
  })

  it.each([
    ['userName eq "ada@example.com"', ['ada']],
    ['USERNAME EQ "ADA@EXAMPLE.COM"', ['ada']],
    ['userName ne "ada@example.com"', ['bob', 'cy']],
    ['userName co "EXAMPLE.com"', ['ada', 'bob']],
    ['userName sw "B"', ['bob']],
    ['userName ew "corp.example"', ['cy']],
    ['externalId eq "ext-ada"', []],
    ['externalId eq "ext-ADA"', ['ada']],
    ['externalId pr', ['ada', 'bob']],
    ['title gt "F"', ['bob']],
    ['title ge "Engineer"', ['ada', 'bob']],
    ['title lt "Support"', ['ada']],
    ['title le "Support"', ['ada', 'bob']],
    ['active eq true', ['ada', 'cy']],
    ['active eq false', ['bob']],
    ['active eq "False"', ['bob']],
    ['name.familyName eq "lovelace"', ['ada', 'cy']],
    ['name.givenName sw "a" or name.givenName sw "c"', ['ada', 'cy']],
    ['name.familyName eq "Lovelace" and active eq true and not (userName sw "c")', ['ada']],
    ['not (active eq true)', ['bob']],
    ['(title eq "Engineer" or title eq "Support") and active eq true', ['ada']],
    ['emails[type eq "work" and value co "bob"]', ['bob']],
    ['emails[type eq "home"]', ['ada']],
    ['emails.value ew "home.example"', ['ada']],
    ['emails eq "bob@example.com"', ['bob']],
    ['emails pr', ['ada', 'bob']],
    ['phoneNumbers pr', ['cy']],
    ['emails.type eq "work" and emails.primary eq true', ['ada']],
    [`${enterpriseUrn}:employeeNumber eq "200"`, ['bob']],
    [`${enterpriseUrn}:department co "engineer"`, ['ada']],
    [`${enterpriseUrn}:manager.value eq "m-1"`, ['ada']],
    [`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bob@example.com"`, ['bob']],
    ['meta.created gt "2000-01-01T00:00:00Z"', ['ada', 'bob', 'cy']],
    ['meta.lastModified lt "2000-01-01T00:00:00Z"', []],
    ['meta.resourceType eq "User"', ['ada', 'bob', 'cy']],
    ['title eq null', ['cy']],
    ['userName eq "x\\"y"', []],
  ])('%s', async (filter, expected) => {
    expect(await names(filter)).toEqual(expected)
  })

  it.each([
    'userName',
    'userName eq',
    'userName xx "a"',
    'userName eq ada',
    '(userName eq "a"',
    'userName eq "a")',
    'userName eq "a" and',
    'nosuchattribute eq "a"',
    'name.nosuch eq "a"',
    'name eq "a"',
    'active gt true',
    'active eq "maybe"',
    'meta.created gt "yesterday"',
    'userName co 3',
    'emails[type eq "work"',
    'emails[type eq "work"]]',
    'userName eq "unterminated',
    'userName eq "a" ; drop table users',
    'emails[value eq "a" and phoneNumbers[value eq "b"]]',
    '',
  ])('refuses %j as 400 invalidFilter', async (filter) => {
    const response = await client.request('GET', `/Users?filter=${encodeURIComponent(filter)}`)
    if (filter === '') {
      expect(response.status).toBe(200)
      return
    }
    expect(response.status).toBe(400)
    expect(response.body.scimType).toBe('invalidFilter')
  })

  it('bounds filter complexity', async () => {
    const wide = Array.from({ length: 100 }, (_, i) => `userName eq "u${i}"`).join(' or ')
    const deep = `${'('.repeat(40)}userName eq "a"${')'.repeat(40)}`
    const long = `userName eq "${'x'.repeat(5000)}"`
    for (const filter of [wide, deep, long]) {
      const response = await client.request('GET', `/Users?filter=${encodeURIComponent(filter)}`)
      expect(response.status).toBe(400)
      expect(response.body.scimType).toBe('invalidFilter')
    }
  })

  it('keeps SQL text out of reach: quotes and wildcards are data', async () => {
    expect(await names(`userName eq "' OR 1=1 --"`)).toEqual([])
    expect(await names('userName co "%"')).toEqual([])
    expect(await names('userName sw "_"')).toEqual([])
  })
})
