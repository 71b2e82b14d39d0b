// rolecall explain: every access a user holds with its chain, or the answer for one action on one resource.
import { checkAccess, type AccessQuestion } from '../../engine/check.js'
import { formatChain } from '../../engine/chain.js'
import { computeEffectiveAccess, userKey } from '../../engine/effective.js'
import { RolecallError, UsageError } from '../../errors.js'
import { oneOf, parseCommandArgs } from '../args.js'
import { loadAccessContext } from '../access-context.js'
import { readNow } from '../clock.js'
import type { Io } from '../io.js'

export const explainOptions = {
  dir: { type: 'string' },
  db: { type: 'string' },
  files: { type: 'boolean' },
  env: { type: 'string' },
  tag: { type: 'string', multiple: true },
  'auth-method': { type: 'string' },
  format: { type: 'string' },
} as const

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseCommandArgs('explain', argv, { ...explainOptions, user: { type: 'string' }, action: { type: 'string' }, resource: { type: 'string' }, permission: { type: 'string' } })
  const format = oneOf('format', values.format, ['text', 'json'] as const, 'text')
  if (values.user === undefined) throw new UsageError('explain: --user is required')
  if ((values.action === undefined) !== (values.resource === undefined)) throw new UsageError('explain: give --action and --resource together')
  const now = readNow(io.env)
  const context = await loadAccessContext({ dir: values.dir, db: values.db, fromFiles: values.files === true || values.dir !== undefined }, io, now)
  const access = computeEffectiveAccess(context.state, context.directory, { now, breakGlass: context.breakGlass })
  const user = values.user
  if (values.permission !== undefined || values.action !== undefined) {
    const base = { user, at: now, ...(values['auth-method'] === undefined ? { anyAuthMethod: true } : { authMethod: values['auth-method'] }) }
    const question: AccessQuestion =
      values.permission !== undefined
        ? { ...base, permission: values.permission }
        : { ...base, action: values.action ?? '', resource: values.resource ?? '', ...(values.env === undefined ? {} : { env: values.env }), ...(values.tag === undefined ? {} : { tags: values.tag }) }
    const answer = checkAccess(access, question)
    if ('error' in answer) throw new RolecallError(answer.error)
    if (format === 'json') io.out(`${JSON.stringify({ source: context.source, ...answer }, null, 2)}\n`)
    else {
      io.out(`${answer.allowed ? 'ALLOWED' : 'DENIED'} (${context.source})\n`)
      for (const reason of answer.reasons) io.out(`  via ${reason}\n`)
      for (const denial of answer.denials) io.out(`  ${denial}\n`)
    }
    return 0
  }
  const held = access.users.get(userKey(user))
  if (format === 'json') {
    io.out(`${JSON.stringify({ source: context.source, user, holdings: (held?.holdings ?? []).map((holding) => ({ key: holding.key, risk: holding.risk, chain: formatChain(holding.chain, holding), ...(holding.authMethods === undefined ? {} : { authMethods: holding.authMethods }), ...(holding.expires === undefined ? {} : { expires: holding.expires }) })) }, null, 2)}\n`)
    return 0
  }
  if (held === undefined) {
    io.out(`${user} holds no access (${access.inactive.has(userKey(user)) ? 'deactivated' : 'no mapped group, no grant'}; ${context.source}).\n`)
    return 0
  }
  io.out(`${held.user} holds ${held.holdings.length} access item${held.holdings.length === 1 ? '' : 's'} (${context.source}):\n`)
  for (const holding of held.holdings) {
    const extra = [holding.authMethods === undefined ? '' : ` sign-in: ${holding.authMethods.join('|')}`, holding.expires === undefined ? '' : ` until ${holding.expires}`].join('')
    io.out(`  [${holding.risk}] ${formatChain(holding.chain, holding)}${extra}\n`)
  }
  return 0
}
