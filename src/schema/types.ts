// The document types of the access language, generated from schemas/ (see src/schema/generated/).
export type { Organization } from './generated/organization.js'
export type { Catalog, ServiceRole, GrantRule } from './generated/catalog.js'
export type { Role } from './generated/role.js'
export type { Service } from './generated/service.js'
export type { Group } from './generated/group.js'
export type { Grant } from './generated/grant.js'
export type { Policy, AccessRef } from './generated/policy.js'
export type { AccessTest, AccessQuery } from './generated/access-test.js'
