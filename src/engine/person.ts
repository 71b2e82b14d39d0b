// Which person a question names: a userName, and the connection the application signed them in through. Without
// a connection, a userName that several identities hold is ambiguous, and is refused rather than answered with
// the union of their access.
import { suggestion } from '../diag/suggest.js'
import type { Identities } from './identity.js'

/** A person as a question names them: `user` (a userName) and, optionally, `connection`. */
export type PersonRef = { user: string; connection?: string }

/** The person a question is about: their key, how they are shown, and the connections of their identity. */
export type Person = { key: string; name: string; connections: readonly string[] }

/**
 * The person `ref` names. `records` are the directory's users of that userName (any connection); `named` gives the
 * connections the access files and break-glass grants name that userName with (undefined: without one). With a
 * connection the answer is that connection's person (merged or not); a connection the Organization does not
 * declare is refused. Without one, where a userName alone does not name a person, it is the one identity that
 * holds or names the userName; several are refused, listing their connections; none is nobody the directory
 * holds (who holds nothing).
 */
export function resolvePerson(identities: Identities, ref: PersonRef, records: readonly { connection: string; userName: string }[], named: () => readonly (string | undefined)[] = () => []): Person | { error: string } {
  const { user, connection } = ref
  if (connection !== undefined) {
    if (!identities.isDeclared(connection)) {
      const declared = identities.connections
      const hint = suggestion(connection, declared)
      return { error: `unknown connection "${connection}"${hint === '' ? `; the Organization declares: ${declared.join(', ')}` : hint}` }
    }
    return { key: identities.personKey(user, connection), name: identities.personName(user, connection), connections: identities.connectionsOf(identities.identityOf(connection)) }
  }
  if (!identities.isSeveral) return { key: identities.personKey(user, undefined), name: user, connections: identities.connections }
  const name = user.toLowerCase()
  const found = new Map<string, string>()
  for (const record of records) if (record.userName.toLowerCase() === name) found.set(identities.identityOf(record.connection), record.connection)
  for (const other of namedWith(named())) found.set(identities.identityOf(other), other)
  if (found.size === 1) {
    const [only] = found.values()
    return resolvePerson(identities, { user, connection: only ?? '' }, records)
  }
  if (found.size > 1) {
    // In the Organization's order, whatever order the directory listed the records in.
    const order = identities.all
    const rank = (identity: string) => (order.includes(identity) ? order.indexOf(identity) : order.length)
    const which = [...found.keys()].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0)).map((identity) => identities.connectionsOf(identity).join('+'))
    return { error: `user "${user}" is ambiguous: a user of that userName comes through ${which.join(' and ')}, which are different people; say which with \`connection\`` }
  }
  return { key: identities.personKey(user, undefined), name: user, connections: [] }
}

function namedWith(named: readonly (string | undefined)[]): string[] {
  return named.filter((connection): connection is string => connection !== undefined)
}

/**
 * Who an answer is about, as text: the name shown for the person, and the connections of their identity where
 * the name does not already say them: `sam@acme.example through okta, entra`, `alice@acme.example (okta)`.
 */
export function personSubject(identities: Identities, name: string, connections: readonly string[]): string {
  return identities.isSeveral || connections.length === 0 ? name : `${name} through ${connections.join(', ')}`
}
