// rolecall token create|list|rotate|revoke: SCIM bearer tokens, one connection each, shown once.
import { didYouMean } from '../../diag/suggest.js'
import { UsageError } from '../../errors.js'
import { checkConnectionName, resolveStoreLocation } from '../../server/config.js'
import type { AppliedState } from '../../store/applied.js'
import { openStore, requireStore } from '../../store/open-store.js'
import type { Store } from '../../store/store.js'
import { requireActor } from '../actor.js'
import type { Io } from '../io.js'
import type { Parsed } from '../spec.js'
import type { tokenSpec } from '../specs/operate.js'

/** The connections the last applied Organization declares; undefined before the first apply. */
function declaredConnections(applied: AppliedState | undefined): string[] | undefined {
  const organization = applied?.documents.find((document) => document.doc['kind'] === 'Organization')?.doc
  if (organization === undefined) return undefined
  const connections = organization['connections']
  if (!Array.isArray(connections)) return []
  return connections.flatMap((connection: unknown) => {
    const name = (connection as { name?: unknown } | null)?.name
    return typeof name === 'string' ? [name] : []
  })
}

/**
 * A token is the one way a connection comes into being from the CLI, so a typo would make a new connection that no
 * IdP and no access file uses. Refuse a name that differs only in case from an existing connection, and one that
 * the applied Organization does not declare (unless --force).
 */
async function checkNewConnection(store: Store, connection: string, isForced: boolean): Promise<void> {
  const existing = await store.listConnections()
  if (existing.includes(connection)) return
  const sameButCase = existing.find((name) => name.toLowerCase() === connection.toLowerCase())
  if (sameButCase !== undefined) {
    throw new UsageError(`connection "${connection}" differs only in case from the existing connection "${sameButCase}"; use --connection ${sameButCase}`)
  }
  const declared = declaredConnections(await store.appliedState())
  if (declared === undefined || declared.includes(connection) || isForced) return
  const known = declared.length === 0 ? 'declares no connections' : `declares ${declared.map((name) => `"${name}"`).join(', ')}`
  const hint = didYouMean(connection, declared)
  const fix = hint === undefined ? '' : ` Did you mean --connection ${hint}?`
  throw new UsageError(`the applied Organization ${known}, not "${connection}"; add it to the Organization and apply, or pass --force to create it anyway.${fix}`)
}

export async function run(args: Parsed<typeof tokenSpec>, io: Io): Promise<number> {
  const location = resolveStoreLocation(args.values.db, io.env, io.cwd)
  switch (args.subcommand) {
    case 'create': {
      const { values } = args
      if (values.connection === undefined) throw new UsageError('token create: --connection NAME is required')
      const connection = checkConnectionName(values.connection)
      const actor = requireActor(values.actor, 'a SCIM token', io)
      // The server (or `npm start`) creates the store: a --db with a typo must not make a second one.
      await requireStore(location)
      const store = await openStore(location, { use: 'write' })
      try {
        await checkNewConnection(store, connection, values.force === true)
        const { token, info } = await store.createToken(connection, actor)
        io.out(`Created ${info.id} for connection "${connection}". This is the only time the token is shown:\n`)
        io.out(`${token}\n`)
      } finally {
        await store.close()
      }
      return 0
    }
    case 'list': {
      const { format } = args.values
      // Only reads: no migrations, and a store on a read-only mount can be listed.
      await requireStore(location)
      const store = await openStore(location, { use: 'read' })
      try {
        const tokens = await store.listTokens()
        if (format === 'json') {
          io.out(`${JSON.stringify(tokens, null, 2)}\n`)
        } else if (tokens.length === 0) {
          io.out('No tokens.\n')
        } else {
          for (const token of tokens) {
            io.out(`${token.id}  ${token.connection}  ${token.hint}  created ${token.createdAt}${token.revokedAt === undefined ? '' : `  revoked ${token.revokedAt}`}\n`)
          }
        }
      } finally {
        await store.close()
      }
      return 0
    }
    case 'revoke': {
      const [id] = args.positionals
      if (id === undefined || args.positionals.length !== 1) throw new UsageError('token revoke: give exactly one token id')
      const actor = requireActor(args.values.actor, 'revoking a SCIM token', io)
      await requireStore(location)
      const store = await openStore(location, { use: 'write' })
      try {
        if (!(await store.revokeToken(id, actor))) {
          io.err(`rolecall: no active token ${id}\n`)
          return 1
        }
        io.out(`Revoked ${id}.\n`)
      } finally {
        await store.close()
      }
      return 0
    }
    case 'rotate': {
      // A new token for the same connection; the old one stops working at once. Paste the new one into the IdP.
      const [id] = args.positionals
      if (id === undefined || args.positionals.length !== 1) throw new UsageError('token rotate: give exactly one token id')
      const actor = requireActor(args.values.actor, 'rotating a SCIM token', io)
      await requireStore(location)
      const store = await openStore(location, { use: 'write' })
      try {
        const old = (await store.listTokens()).find((token) => token.id === id && token.revokedAt === undefined)
        if (old === undefined) {
          io.err(`rolecall: no active token ${id}\n`)
          return 1
        }
        const { token, info } = await store.createToken(old.connection, actor)
        await store.revokeToken(id, actor)
        io.out(`Created ${info.id} for connection "${old.connection}" and revoked ${id}. This is the only time the token is shown:\n`)
        io.out(`${token}\n`)
      } finally {
        await store.close()
      }
      return 0
    }
    default: {
      const unreachable: never = args
      throw new Error(`unknown token command ${String(unreachable)}`)
    }
  }
}
