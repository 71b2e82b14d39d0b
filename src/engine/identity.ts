// Who is one person. Each connection's users are their own people, unless the Organization merges connections
// (`mergeIdentities`): then users of the merged connections with the same userName are one person.
import type { DesiredState } from '../model/state.js'
import type { Organization } from '../schema/types.js'

/** The identities of an organization: which connections' users are one person. */
export class Identities {
  /** connection → the identity its users belong to: its merge's connections joined by `+`, or its own name. */
  private readonly identityOfConnection = new Map<string, string>()
  /** Each identity's connections, in the Organization's order. */
  private readonly connectionsOfIdentity = new Map<string, readonly string[]>()
  /**
   * True when a userName alone does not name a person: the declared connections are more than one identity. Then
   * every person is named with a connection, and a name without one binds to nobody the directory holds.
   */
  readonly isSeveral: boolean
  /** The one identity every declared connection belongs to, when they are not several. */
  private readonly sole: string | undefined
  /** A text that differs between two organizations exactly when their identities differ. */
  readonly signature: string
  private readonly declared: readonly string[]

  constructor(organization: Organization | undefined) {
    if (organization === undefined) {
      // No Organization to say otherwise (a state being built, or a hand-made one): one namespace of userNames.
      this.isSeveral = false
      this.sole = undefined
      this.signature = '*'
      this.declared = []
      return
    }
    const merged = new Set<string>()
    const declared = organization.connections.map((connection) => connection.name)
    this.declared = declared
    for (const merge of organization.mergeIdentities ?? []) {
      // A connection in two merges, or not declared, is refused by validation; here the first merge keeps it.
      const connections = merge.connections.filter((name) => declared.includes(name) && !merged.has(name))
      if (connections.length === 0) continue
      const id = connections.join('+')
      for (const name of connections) {
        merged.add(name)
        this.identityOfConnection.set(name, id)
      }
      this.connectionsOfIdentity.set(id, connections)
    }
    for (const name of declared) {
      if (merged.has(name)) continue
      this.identityOfConnection.set(name, name)
      this.connectionsOfIdentity.set(name, [name])
    }
    this.isSeveral = this.connectionsOfIdentity.size > 1
    this.sole = this.isSeveral ? undefined : [...this.connectionsOfIdentity.keys()][0]
    this.signature = [...this.connectionsOfIdentity.keys()].join(' ')
  }

  /** The identity of a connection's users: its merge's, else its own (a connection the Organization does not declare is its own). */
  identityOf(connection: string): string {
    return this.identityOfConnection.get(connection) ?? connection
  }

  /** The connections of an identity, in the Organization's order. */
  connectionsOf(identity: string): readonly string[] {
    return this.connectionsOfIdentity.get(identity) ?? [identity]
  }

  /** The declared connections, in the Organization's order (none without an Organization). */
  get connections(): readonly string[] {
    return this.declared
  }

  /** True when the Organization declares the connection (any connection, without an Organization). */
  isDeclared(connection: string): boolean {
    return this.signature === '*' || this.identityOfConnection.has(connection)
  }

  /** Every identity (its id), in the Organization's order. */
  get all(): readonly string[] {
    return (this.identityIds ??= [...this.connectionsOfIdentity.keys()])
  }

  private identityIds: readonly string[] | undefined

  /**
   * The key of a person: the userName compared without case (RFC 7643 §4.1.1: userName is not case-exact), in the
   * identity of `connection`. Where a userName alone names a person (one identity, or no Organization), the key is
   * the lower-case userName. Without a connection where it does not, the key is that of nobody the directory
   * holds: such a name binds to no provisioned user (fail closed).
   */
  personKey(userName: string, connection: string | undefined): string {
    const name = userName.toLowerCase()
    if (connection === undefined) return this.isSeveral ? `\u0000${name}` : name
    const identity = this.identityOfConnection.get(connection)
    if (identity === undefined) return this.signature === '*' ? name : `${connection}\u0000${name}`
    return identity === this.sole ? name : `${identity}\u0000${name}`
  }

  /**
   * How a person is shown: the userName, and where a userName alone does not name a person, the connections of
   * their identity: `alice@acme.example (okta)`, `alice@acme.example (okta+entra)`.
   */
  personName(userName: string, connection: string | undefined): string {
    if (connection === undefined) return this.isSeveral ? `${userName} (no connection)` : userName
    const identity = this.identityOfConnection.get(connection)
    if (identity === undefined) return this.signature === '*' ? userName : `${userName} (${connection})`
    return identity === this.sole ? userName : `${userName} (${identity})`
  }
}

const known = new WeakMap<object, Identities>()

/** The identities of a state's Organization (kept per Organization document). */
export function identitiesOf(state: Pick<DesiredState, 'organization'>): Identities {
  const organization = state.organization?.doc
  if (organization === undefined) return new Identities(undefined)
  let identities = known.get(organization)
  if (identities === undefined) {
    identities = new Identities(organization)
    known.set(organization, identities)
  }
  return identities
}
