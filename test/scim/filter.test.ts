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
    addresses: [{ type: 'work', locality: 'London', country: 'GB' }],
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
    // Entra looks users up by a sub-attribute of a value path; one entry must satisfy the brackets and the comparison.
    ['emails[type eq "work"].value eq "ada@example.com"', ['ada']],
    ['EMAILS[TYPE EQ "WORK"].VALUE EQ "ADA@EXAMPLE.COM"', ['ada']],
    ['emails[type eq "home"].value eq "ada@example.com"', []],
    ['emails[type eq "work"].value ne "ada@example.com"', ['bob']],
    ['emails[type eq "work"].value co "B@"', ['bob']],
    ['emails[type eq "work"].value sw "ada"', ['ada']],
    ['emails[type eq "work"].value ew "EXAMPLE.COM"', ['ada', 'bob']],
    ['emails[type eq "work" or type eq "home"].value gt "b"', ['bob']],
    ['emails[type eq "work"].value ge "BOB@EXAMPLE.COM"', ['bob']],
    ['emails[type eq "work"].value lt "b"', ['ada']],
    ['emails[type eq "work"].value le "bob@example.com"', ['ada', 'bob']],
    ['emails[type eq "work"].value pr', ['ada', 'bob']],
    ['emails[type eq "home"].primary pr', []],
    ['emails[type eq "work"].primary eq true', ['ada']],
    ['emails[type eq "work"].value co "b" or phoneNumbers[type eq "mobile"].value sw "+1"', ['bob', 'cy']],
    ['not (emails[type eq "work"].value eq "bob@example.com") and active eq true', ['ada', 'cy']],
    ['(emails[not (type eq "home")].value ew ".com") and name.familyName eq "Lovelace"', ['ada']],
    [`urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value eq "bob@example.com"`, ['bob']],
    // Attributes as Entra maps them (its SCIM schema reference).
    ['phoneNumbers[type eq "mobile"].value eq "+1 555 0100"', ['cy']],
    ['phoneNumbers[type eq "fax"].value pr', []],
    ['addresses[type eq "work"].locality eq "london" and addresses[type eq "work"].country eq "GB"', ['ada']],
    ['addresses[type eq "home"].locality pr', []],
    // A single-valued complex attribute holds one value or none: its brackets need that value.
    [`${enterpriseUrn}:manager[value eq "m-1"]`, ['ada']],
    [`${enterpriseUrn}:manager[value eq "M-1"].value pr`, ['ada']],
    [`${enterpriseUrn}:manager[not (value eq "m-2")]`, ['ada']],
    ['name[givenName eq "ada" and familyName eq "lovelace"]', ['ada']],
    ['name[not (middleName pr)]', ['ada', 'bob', 'cy']],
    ['meta[resourceType eq "User"].created gt "2000-01-01T00:00:00Z"', ['ada', 'bob', 'cy']],
    // RFC 7643 §2.5: null is unassigned, so `eq null` holds where `pr` does not, multi-valued attributes included.
    ['emails.value eq null', ['cy']],
    ['emails ne null', ['ada', 'bob']],
    ['externalId eq null', ['cy']],
    // A write stores a number sent for a string attribute as its text, and a filter compares that text.
    [`${enterpriseUrn}:employeeNumber eq 100`, ['ada']],
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
    'emails[type eq "work"].value',
    'emails[type eq "work"] .value eq "a"',
    'emails[type eq "work"].nosuch eq "a"',
    'emails[type eq "work"].value.more eq "a"',
    'emails[type eq "work"].value eq',
    'emails[type eq "work"].value xx "a"',
    'emails[type eq "work"].value[type eq "home"]',
    'name[givenName eq "a"].familyName[x eq "y"]',
    'title gt null',
    'title gt true',
    'meta.location eq "http://localhost/scim/v2/Users/x"',
    'userName eq "\\ud800"',
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

  it('takes the value-path lookup in a POST /Users/.search body too', async () => {
    const response = await client.request('POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'emails[type eq "work"].value eq "BOB@example.com"',
    })
    expect(response.status).toBe(200)
    expect(response.body.Resources.map((user: { userName: string }) => user.userName)).toEqual(['bob@example.com'])
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
