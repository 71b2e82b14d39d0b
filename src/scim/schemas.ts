// SCIM schema definitions (RFC 7643 §4, §8.7.1): User, EnterpriseUser, Group, and the attribute lookup over them.
import type { AttrType } from '../store/query.js'
import { valueLimits } from './text.js'

export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly'
export type Returned = 'always' | 'never' | 'default' | 'request'

export type AttrDef = {
  name: string
  type: AttrType
  multiValued: boolean
  required: boolean
  caseExact: boolean
  mutability: Mutability
  returned: Returned
  uniqueness: 'none' | 'server' | 'global'
  description: string
  subAttributes?: AttrDef[]
  canonicalValues?: string[]
  referenceTypes?: string[]
}

export type SchemaDef = { id: string; name: string; description: string; attributes: AttrDef[] }

export const coreUserSchema = 'urn:ietf:params:scim:schemas:core:2.0:User'
export const enterpriseUserSchema = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
export const coreGroupSchema = 'urn:ietf:params:scim:schemas:core:2.0:Group'
export const listResponseSchema = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'
export const patchOpSchema = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
export const errorSchema = 'urn:ietf:params:scim:api:messages:2.0:Error'

type AttrOptions = Partial<Omit<AttrDef, 'name' | 'type'>>

/**
 * An attribute definition with RFC 7643's defaults (single-valued, optional, caseExact false, readWrite, …). Every
 * characteristic RFC 7643 §7 lists is spelt out, so that /Schemas carries each one: a strict client reads them all.
 * A reference attribute is made with `ref`, which cannot leave out its `referenceTypes`.
 */
export function attr(name: string, type: Exclude<AttrType, 'reference'>, description: string, options: AttrOptions = {}): AttrDef {
  return define(name, type, description, options)
}

/**
 * A reference attribute. RFC 7643 §7 makes `referenceTypes` REQUIRED for one ("the SCIM resource types that may be
 * referenced", or `external` for any URI, or `uri` for a SCIM endpoint), and a strict client stops reading the
 * schemas at the first one without it.
 */
function ref(name: string, description: string, referenceTypes: [string, ...string[]], options: Omit<AttrOptions, 'referenceTypes'> = {}): AttrDef {
  return define(name, 'reference', description, { ...options, referenceTypes })
}

function define(name: string, type: AttrType, description: string, options: AttrOptions): AttrDef {
  return {
    name,
    type,
    multiValued: false,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    description,
    ...options,
  }
}

const str = (name: string, description: string, options: AttrOptions = {}) => attr(name, 'string', description, options)

/**
 * A length limit, said in the description: RFC 7643 §7 has no maxLength characteristic. Identifiers are one line;
 * see values.ts and text.ts for what every value may hold.
 */
function atMost(limit: number): string {
  return `At most ${limit} characters (Unicode code points), on one line.`
}

/**
 * The `value`/`display`/`type`/`primary` shape shared by emails, phoneNumbers, ims, photos, entitlements, roles.
 * `value` is required in each entry: RFC 7643 §2.4 makes it the entry's significant value (§8.7.1 leaves it optional),
 * and an email or phone number without one names nothing. /Schemas advertises it so.
 */
function multiValue(name: string, description: string, types: string[], value: (description: string) => AttrDef = (text) => str('value', text, { required: true })): AttrDef {
  return attr(name, 'complex', description, {
    multiValued: true,
    subAttributes: [
      value(`The value of ${name}.`),
      str('display', 'A human-readable name, primarily used for display purposes.'),
      str('type', 'A label indicating the function of the value.', types.length > 0 ? { canonicalValues: types } : {}),
      attr('primary', 'boolean', 'Whether this is the primary value.'),
    ],
  })
}

export const userSchema: SchemaDef = {
  id: coreUserSchema,
  name: 'User',
  description: 'User Account',
  attributes: [
    str('userName', `Unique identifier for the User, used to authenticate; not case-sensitive. ${atMost(valueLimits.userName)}`, { required: true, uniqueness: 'server' }),
    attr('name', 'complex', "The components of the user's name.", {
      subAttributes: [
        str('formatted', 'The full name, formatted for display.'),
        str('familyName', 'The family name.'),
        str('givenName', 'The given name.'),
        str('middleName', 'The middle name(s).'),
        str('honorificPrefix', 'The honorific prefix(es).'),
        str('honorificSuffix', 'The honorific suffix(es).'),
      ],
    }),
    str('displayName', `The name of the User, suitable for display. ${atMost(valueLimits.displayName)}`),
    str('nickName', 'The casual way to address the user.'),
    ref('profileUrl', "A URI of the user's online profile.", ['external']),
    str('title', "The user's title."),
    str('userType', 'The relationship between the organization and the user.'),
    str('preferredLanguage', "The user's preferred written or spoken language."),
    str('locale', "The user's default location."),
    str('timezone', "The User's time zone in IANA format."),
    attr('active', 'boolean', "The User's administrative status; inactive users hold no access."),
    str('password', 'Never stored nor returned by rolecall.', { mutability: 'writeOnly', returned: 'never' }),
    multiValue('emails', 'Email addresses for the user.', ['work', 'home', 'other']),
    multiValue('phoneNumbers', 'Phone numbers for the User.', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
    multiValue('ims', 'Instant messaging addresses for the User.', []),
    multiValue('photos', 'URLs of photos of the User.', ['photo', 'thumbnail'], (text) => ref('value', text, ['external'], { required: true })),
    attr('addresses', 'complex', 'A physical mailing address for this User.', {
      multiValued: true,
      subAttributes: [
        str('formatted', 'The full mailing address.'),
        str('streetAddress', 'The full street address.'),
        str('locality', 'The city or locality.'),
        str('region', 'The state or region.'),
        str('postalCode', 'The zip code or postal code.'),
        str('country', 'The country name component.'),
        str('type', 'A label indicating the function of the address.', { canonicalValues: ['work', 'home', 'other'] }),
        attr('primary', 'boolean', 'Whether this is the primary address.'),
      ],
    }),
    attr('groups', 'complex', 'Groups the user belongs to (returned when asked for with attributes=groups).', {
      multiValued: true,
      mutability: 'readOnly',
      // Reading memberships on every user read would dominate GET /Users/{id}; IdPs never read it.
      returned: 'request',
      subAttributes: [
        str('value', 'The identifier of the Group.', { mutability: 'readOnly' }),
        // RFC 7643 §8.7.1 lists ["User", "Group"]; what a user belongs to here is only ever a Group.
        ref('$ref', 'The URI of the Group.', ['Group'], { mutability: 'readOnly' }),
        str('display', 'The display name of the Group.', { mutability: 'readOnly' }),
        str('type', "'direct' or 'indirect'.", { mutability: 'readOnly', canonicalValues: ['direct', 'indirect'] }),
      ],
    }),
    multiValue('entitlements', 'A list of entitlements for the User.', []),
    multiValue('roles', 'A list of roles for the User.', []),
    multiValue('x509Certificates', 'A list of certificates issued to the User.', [], (text) => attr('value', 'binary', text, { required: true })),
  ],
}

export const enterpriseSchema: SchemaDef = {
  id: enterpriseUserSchema,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    str('employeeNumber', 'Numeric or alphanumeric identifier assigned to a person.'),
    str('costCenter', 'Identifies the name of a cost center.'),
    str('organization', 'Identifies the name of an organization.'),
    str('division', 'Identifies the name of a division.'),
    str('department', 'Identifies the name of a department.'),
    attr('manager', 'complex', "The User's manager.", {
      subAttributes: [
        str('value', 'The id of the SCIM resource representing the manager.'),
        ref('$ref', 'The URI of the manager.', ['User']),
        str('displayName', 'The displayName of the manager.', { mutability: 'readOnly' }),
      ],
    }),
  ],
}

export const groupSchema: SchemaDef = {
  id: coreGroupSchema,
  name: 'Group',
  description: 'Group',
  attributes: [
    str('displayName', `A human-readable name for the Group; unique per connection. ${atMost(valueLimits.displayName)}`, { required: true, uniqueness: 'server' }),
    attr('members', 'complex', 'A list of members of the Group (users of the same connection).', {
      multiValued: true,
      subAttributes: [
        str('value', 'Identifier of the member of this Group.', { mutability: 'immutable', caseExact: true }),
        // RFC 7643 §8.7.1 lists ["User", "Group"]; only users can be members (memberIds refuses a Group), and
        // advertising "Group" would invite nested groups that every write then refuses.
        ref('$ref', 'The URI of the member.', ['User'], { mutability: 'immutable' }),
        // RFC 7643 §4.2 makes the members' sub-attributes "immutable" and names only `value` and `$ref` as what a
        // client writes; §8.4 shows a `display` too. rolecall declares it readOnly and sets it itself (the member's
        // displayName, else its userName, as the member is named now), ignoring the display a client sends (Okta
        // sends its login): a name stored as written would go stale, and a readOnly display tells a strict client
        // not to expect its own back. Every read (GET, list, .search, PUT and PATCH answers, projections and
        // filters) sees that one display.
        str('display', "The member's displayName, or its userName when it has none; set by rolecall.", { mutability: 'readOnly' }),
        str('type', "The type of member: 'User'.", { mutability: 'immutable', canonicalValues: ['User'] }),
      ],
    }),
  ],
}

/** Attributes every resource has (RFC 7643 §3.1). */
export const commonAttributes: AttrDef[] = [
  str('id', 'Unique identifier assigned by rolecall.', { caseExact: true, mutability: 'readOnly', returned: 'always', uniqueness: 'server' }),
  str('externalId', `The identifier of the resource in the provisioning client's domain. ${atMost(valueLimits.externalId)}`, { caseExact: true }),
  attr('meta', 'complex', 'Resource metadata.', {
    mutability: 'readOnly',
    subAttributes: [
      str('resourceType', 'The name of the resource type.', { caseExact: true, mutability: 'readOnly' }),
      attr('created', 'dateTime', 'When the resource was added.', { mutability: 'readOnly' }),
      attr('lastModified', 'dateTime', 'When the resource was last changed.', { mutability: 'readOnly' }),
      ref('location', 'The URI of the resource.', ['uri'], { mutability: 'readOnly' }),
      str('version', 'The version (ETag) of the resource.', { caseExact: true, mutability: 'readOnly' }),
    ],
  }),
]

export type ResourceTypeName = 'User' | 'Group'

/** A resource type with its core schema and extensions. */
export type ResourceType = {
  name: ResourceTypeName
  endpoint: '/Users' | '/Groups'
  core: SchemaDef
  extensions: SchemaDef[]
}

export const userType: ResourceType = { name: 'User', endpoint: '/Users', core: userSchema, extensions: [enterpriseSchema] }
export const groupType: ResourceType = { name: 'Group', endpoint: '/Groups', core: groupSchema, extensions: [] }
export const allSchemas: SchemaDef[] = [userSchema, enterpriseSchema, groupSchema]

/** Case-insensitive lookup of an attribute among definitions (RFC 7643 §2.1: attribute names are case-insensitive). */
export function findAttr(attributes: readonly AttrDef[] | undefined, name: string): AttrDef | undefined {
  if (attributes === undefined) return undefined
  const lower = name.toLowerCase()
  return attributes.find((candidate) => candidate.name.toLowerCase() === lower)
}

/**
 * The `value` sub-attribute that stands for a multi-valued complex attribute named without a sub-attribute, in a
 * filter (RFC 7644 §3.4.2.2) and in a sort (§3.4.2.3); undefined for any other attribute, and for one without `value`.
 */
export function standInValue(def: AttrDef): AttrDef | undefined {
  return def.type === 'complex' && def.multiValued ? findAttr(def.subAttributes, 'value') : undefined
}

/** Core attributes of a type, with the common ones. */
export function coreAttributes(type: ResourceType): AttrDef[] {
  return [...commonAttributes, ...type.core.attributes]
}

/** The extension of `type` whose URN equals `urn` (case-insensitively). */
export function findExtension(type: ResourceType, urn: string): SchemaDef | undefined {
  const lower = urn.toLowerCase()
  return type.extensions.find((schema) => schema.id.toLowerCase() === lower)
}
