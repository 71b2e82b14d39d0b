// Checks of who is one person: the Organization's `mergeIdentities`, and the connections that Grants, listed
// members and access tests name people with. Where the connections are several identities, a userName alone
// would bind a Grant or a listed membership to users of every IdP that has that userName: it must say which.
import { suggestion } from '../diag/suggest.js'
import type { DocLocation, LocatedDiagnostic } from '../load/document.js'
import { identitiesOf } from '../engine/identity.js'
import type { DesiredState, DocRef } from './state.js'

function loc(ref: DocRef, ...path: (string | number)[]): DocLocation {
  return { file: ref.file, index: ref.index, path }
}

/** Diagnostics for merges and for the connections people are named with. Needs the Organization; without one, none. */
export function checkIdentities(state: DesiredState): LocatedDiagnostic[] {
  const diagnostics: LocatedDiagnostic[] = []
  const organization = state.organization
  if (organization === undefined) return diagnostics
  const declared = organization.doc.connections.map((connection) => connection.name)
  const unknown = (name: string, at: DocLocation): boolean => {
    if (declared.includes(name)) return false
    diagnostics.push({ severity: 'error', code: 'unknown-ref', summary: `Unknown connection "${name}"${suggestion(name, declared)}`, detail: `The Organization declares: ${declared.join(', ')}.`, at })
    return true
  }

  const mergedIn = new Map<string, number>()
  organization.doc.mergeIdentities?.forEach((merge, index) => {
    const at = loc(organization.at, 'mergeIdentities', index, 'connections')
    merge.connections.forEach((name, position) => {
      const here = loc(organization.at, 'mergeIdentities', index, 'connections', position)
      if (unknown(name, here)) return
      const earlier = mergedIn.get(name)
      if (earlier !== undefined) {
        diagnostics.push({
          severity: 'error',
          code: 'invalid-value',
          summary: `Connection "${name}" is in two merges (mergeIdentities ${earlier} and ${index})`,
          detail: 'A connection\'s users belong to one identity: put every connection that names the same people in one merge.',
          at: here,
        })
        return
      }
      mergedIn.set(name, index)
    })
    if (merge.connections.length < 2) {
      diagnostics.push({
        severity: 'error',
        code: 'invalid-value',
        summary: `A merge of one connection (${merge.connections.join(', ') || 'none'}) merges nothing`,
        detail: 'List at least two connections whose users are the same people, or remove the entry: each connection is its own people by default.',
        at,
      })
    }
  })

  // Until the merges are right, who is one person is not known: the names below are not judged by them.
  const isMergeWrong = diagnostics.length > 0
  const identities = identitiesOf(state)
  const several = identities.all.map((identity) => identities.connectionsOf(identity).join('+')).join('; ')
  const needsConnection = (what: string, at: DocLocation) =>
    diagnostics.push({
      severity: 'error',
      code: 'ambiguous-user',
      summary: `${what} without a \`connection\`, but the Organization's connections are several identities (${several})`,
      detail: 'A userName alone would name a user of each of them, who are different people. Add `connection` (the IdP the person comes through), or merge the connections in `mergeIdentities`.',
      at,
    })

  for (const { doc: grant, at } of state.grants.values()) {
    if (grant.connection !== undefined) unknown(grant.connection, loc(at, 'connection'))
    else if (identities.isSeveral && !isMergeWrong) needsConnection(`Grant "${grant.name}" names user "${grant.user}"`, loc(at, 'user'))
  }
  for (const { doc: group, at } of state.groups.values()) {
    const members = group.source.members
    if (members === undefined) continue
    if (members.connection !== undefined) unknown(members.connection, loc(at, 'source', 'members', 'connection'))
    else if (identities.isSeveral && !isMergeWrong && (members.users?.length ?? 0) > 0) needsConnection(`Group "${group.name}" lists users`, loc(at, 'source', 'members', 'users'))
  }
  for (const { doc: test, at } of state.tests.values()) {
    test.given?.forEach((user, index) => {
      if (user.connection !== undefined) unknown(user.connection, loc(at, 'given', index, 'connection'))
    })
    test.assert.forEach((assertion, index) => {
      if (assertion.connection !== undefined) unknown(assertion.connection, loc(at, 'assert', index, 'connection'))
    })
  }
  return diagnostics
}
