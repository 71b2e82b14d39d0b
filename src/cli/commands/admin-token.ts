// rolecall admin-token create|list|revoke: tokens for the admin and check API (rca_), scoped, shown once.
import { suggestion } from '../../diag/suggest.js'
import { UsageError } from '../../errors.js'
import { adminScopes, type AdminScope, type AdminTokenInfo } from '../../store/store.js'
import { withStore } from '../desired.js'
import { requireActor } from '../actor.js'
import type { Io } from '../io.js'
import type { Parsed } from '../spec.js'
import type { adminTokenSpec } from '../specs/operate.js'

export async function run(args: Parsed<typeof adminTokenSpec>, io: Io): Promise<number> {
  const { db } = args.values
  switch (args.subcommand) {
    case 'create': {
      const { values } = args
      const scopes = (values.scope ?? []).flatMap((scope) => scope.split(','))
      if (scopes.length === 0) throw new UsageError(`admin-token create: give --scope (${adminScopes.join(', ')}); a token gets only what it needs`)
      const bad = scopes.filter((scope) => !(adminScopes as readonly string[]).includes(scope))
      if (bad.length > 0) throw new UsageError(`unknown scope ${bad.join(', ')}; scopes are ${adminScopes.join(', ')}${bad.length === 1 ? suggestion(bad[0] ?? '', adminScopes) : ''}`)
      const actor = requireActor(values.actor, 'an admin token', io)
      const { token, info } = await withStore(db, io, async (store) => store.createAdminToken(scopes as AdminScope[], values.name, actor))
      io.out(`Created ${info.id} with scopes ${info.scopes.join(', ')}. This is the only time the token is shown:\n`)
      io.out(`${token}\n`)
      return 0
    }
    case 'list': {
      const { format } = args.values
      // Only reads: no migrations, and a store on a read-only mount can be listed.
      const tokens: AdminTokenInfo[] = await withStore(db, io, async (store) => store.listAdminTokens(), 'read')
      if (format === 'json') io.out(`${JSON.stringify(tokens, null, 2)}\n`)
      else if (tokens.length === 0) io.out('No admin tokens.\n')
      else
        for (const token of tokens)
          io.out(`${token.id}  ${token.hint}  ${token.scopes.join(',')}${token.name === undefined ? '' : `  ${token.name}`}  created ${token.createdAt}${token.revokedAt === undefined ? '' : `  revoked ${token.revokedAt}`}\n`)
      return 0
    }
    case 'revoke': {
      const [id] = args.positionals
      if (id === undefined || args.positionals.length !== 1) throw new UsageError('admin-token revoke: give exactly one token id')
      const actor = requireActor(args.values.actor, 'revoking an admin token', io)
      const revoked = await withStore(db, io, async (store) => store.revokeAdminToken(id, actor))
      if (!revoked) {
        io.err(`rolecall: no active admin token ${id}\n`)
        return 1
      }
      io.out(`Revoked ${id}.\n`)
      return 0
    }
    default: {
      const unreachable: never = args
      throw new Error(`unknown admin-token command ${String(unreachable)}`)
    }
  }
}
