// rolecall admin-token create|list|revoke: tokens for the admin and check API (rca_), scoped, shown once.
import { UsageError } from '../../errors.js'
import { adminScopes, type AdminScope, type AdminTokenInfo } from '../../store/store.js'
import { oneOf, parseCommandArgs } from '../args.js'
import { withStore } from '../desired.js'
import type { Io } from '../io.js'

export async function run(argv: string[], io: Io): Promise<number> {
  const [action, ...rest] = argv
  const { values, positionals } = parseCommandArgs('admin-token', rest, { db: { type: 'string' }, scope: { type: 'string', multiple: true }, name: { type: 'string' }, format: { type: 'string' } }, true)
  switch (action) {
    case 'create': {
      const scopes = (values.scope ?? []).flatMap((scope) => scope.split(','))
      if (scopes.length === 0) throw new UsageError(`admin-token create: give --scope (${adminScopes.join(', ')}); a token gets only what it needs`)
      const bad = scopes.filter((scope) => !(adminScopes as readonly string[]).includes(scope))
      if (bad.length > 0) throw new UsageError(`unknown scope ${bad.join(', ')}; scopes are ${adminScopes.join(', ')}`)
      const { token, info } = await withStore(values.db, io, async (store) => {
        if (store === undefined) throw new UsageError('no database')
        return store.createAdminToken(scopes as AdminScope[], values.name)
      }, false)
      io.out(`Created ${info.id} with scopes ${info.scopes.join(', ')}. This is the only time the token is shown:\n`)
      io.out(`${token}\n`)
      return 0
    }
    case 'list': {
      const format = oneOf('format', values.format, ['text', 'json'] as const, 'text')
      // Only reads: no migrations, and a store on a read-only mount can be listed.
      const tokens: AdminTokenInfo[] = await withStore(values.db, io, async (store) => (store === undefined ? [] : store.listAdminTokens()), true, 'read')
      if (format === 'json') io.out(`${JSON.stringify(tokens, null, 2)}\n`)
      else if (tokens.length === 0) io.out('No admin tokens.\n')
      else for (const token of tokens) io.out(`${token.id}  ${token.hint}  ${token.scopes.join(',')}${token.name === undefined ? '' : `  ${token.name}`}  created ${token.createdAt}${token.revokedAt === undefined ? '' : `  revoked ${token.revokedAt}`}\n`)
      return 0
    }
    case 'revoke': {
      const [id] = positionals
      if (id === undefined || positionals.length !== 1) throw new UsageError('admin-token revoke: give exactly one token id')
      const revoked = await withStore(values.db, io, async (store) => store !== undefined && store.revokeAdminToken(id), false)
      if (!revoked) {
        io.err(`rolecall: no active admin token ${id}\n`)
        return 1
      }
      io.out(`Revoked ${id}.\n`)
      return 0
    }
    default:
      throw new UsageError('admin-token: give create, list or revoke')
  }
}
