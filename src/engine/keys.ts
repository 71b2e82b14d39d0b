// The keys that name people, grants and permissions: what effective access, plans and checks compare by.
import type { GrantRuleHeld } from './types.js'

/** Users are identified by userName, compared without case (RFC 7643 §4.1.1: userName is not case-exact). */
export function userKey(userName: string): string {
  return userName.toLowerCase()
}

/** The identity of a grant rule, independent of how it is reached. */
export function grantKey(grant: GrantRuleHeld): string {
  const { type, service, name } = grant.resource
  const env = grant.env === undefined ? '' : ` env=${[...grant.env].sort().join(',')}`
  const tags = grant.tags === undefined ? '' : ` tags=${[...grant.tags].sort().join(',')}`
  return `grant ${[...grant.actions].sort().join(',')} ${type}:${service}/${name}${env}${tags}`
}

export function permissionKey(permission: string): string {
  return `permission ${permission}`
}
