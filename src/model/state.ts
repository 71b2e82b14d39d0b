// DesiredState: the validated documents of an access directory, indexed by name.
import type { AccessTest, Catalog, Grant, Group, Organization, Policy, Review, Role, Service, ServiceRole } from '../schema/types.js'

/** Where a document was declared. */
export type DocRef = { file: string; index: number }

/** A document and where it came from. */
export type Declared<T> = { doc: T; at: DocRef }

export type DesiredState = {
  organization: Declared<Organization> | undefined
  catalog: Declared<Catalog> | undefined
  roles: Map<string, Declared<Role>>
  services: Map<string, Declared<Service>>
  groups: Map<string, Declared<Group>>
  grants: Map<string, Declared<Grant>>
  policies: Map<string, Declared<Policy>>
  tests: Map<string, Declared<AccessTest>>
  /** Access review campaigns: they decide nothing about access, so plans and applies leave them out. */
  reviews: Map<string, Declared<Review>>
}

export function emptyState(): DesiredState {
  return {
    organization: undefined,
    catalog: undefined,
    roles: new Map(),
    services: new Map(),
    groups: new Map(),
    grants: new Map(),
    policies: new Map(),
    tests: new Map(),
    reviews: new Map(),
  }
}

/** A Service's roles: its own, or the Catalog's defaults when it declares none. */
export function serviceRolesOf(state: DesiredState, service: Service): ServiceRole[] {
  return service.roles ?? state.catalog?.doc.serviceRoles ?? []
}

/** A list form of `action`. */
export function actionList(action: string | readonly string[]): readonly string[] {
  return typeof action === 'string' ? [action] : action
}
