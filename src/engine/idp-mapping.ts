// How a desired group's `scim` source names an IdP group (by externalId when it gives one, else by displayName),
// as keys: the source's one key, and the keys an IdP group of the directory can be named by.
import type { Directory } from './types.js'

/** The key of the IdP group a `scim` source names. */
export function sourceKey(scim: { connection: string; externalId?: string; displayName?: string }): string {
  return scim.externalId !== undefined ? `${scim.connection}\u0000e\u0000${scim.externalId}` : `${scim.connection}\u0000d\u0000${scim.displayName ?? ''}`
}

/** The keys a directory's IdP group matches a source by: its displayName, and its externalId when it has one. */
export function idpGroupKeys(group: Directory['groups'][number]): string[] {
  const byName = `${group.connection}\u0000d\u0000${group.displayName}`
  return group.externalId === undefined ? [byName] : [byName, `${group.connection}\u0000e\u0000${group.externalId}`]
}
