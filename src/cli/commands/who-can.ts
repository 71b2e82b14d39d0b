// rolecall who-can: every user who may do ACTION on RESOURCE (or holds PERMISSION), with the chains.
import { checkAccess, type AccessQuestion } from '../../engine/check.js'
import { computeEffectiveAccess } from '../../engine/effective.js'
import { RolecallError, UsageError } from '../../errors.js'
import { oneOf, parseCommandArgs } from '../args.js'
import { loadAccessContext } from '../access-context.js'
import { readNow } from '../clock.js'
import type { Io } from '../io.js'
import { explainOptions } from './explain.js'

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('who-can', argv, explainOptions, true)
  const format = oneOf('format', values.format, ['text', 'json'] as const, 'text')
  if (positionals.length < 1 || positionals.length > 2) throw new UsageError('who-can: give ACTION RESOURCE, or one PERMISSION')
  const now = readNow(io.env)
  const context = await loadAccessContext({ dir: values.dir, db: values.db, fromFiles: values.files === true || values.dir !== undefined }, io, now)
  const access = computeEffectiveAccess(context.state, context.directory, { now, breakGlass: context.breakGlass })
  const [first = '', second] = positionals
  const users: { user: string; reasons: string[] }[] = []
  for (const { user } of access.users.values()) {
    const base = { user, at: now, ...(values['auth-method'] === undefined ? { anyAuthMethod: true } : { authMethod: values['auth-method'] }) }
    const question: AccessQuestion =
      second === undefined
        ? { ...base, permission: first }
        : { ...base, action: first, resource: second, ...(values.env === undefined ? {} : { env: values.env }), ...(values.tag === undefined ? {} : { tags: values.tag }) }
    const answer = checkAccess(access, question)
    if ('error' in answer) throw new RolecallError(answer.error)
    if (answer.allowed) users.push({ user, reasons: answer.reasons })
  }
  if (format === 'json') {
    io.out(`${JSON.stringify({ source: context.source, users }, null, 2)}\n`)
    return 0
  }
  const what = second === undefined ? first : `${first} ${second}${values.env === undefined ? '' : ` in ${values.env}`}`
  io.out(`${users.length} user${users.length === 1 ? '' : 's'} can ${what} (${context.source})${users.length === 0 ? '.' : ':'}\n`)
  for (const entry of users) {
    io.out(`  ${entry.user}\n`)
    for (const reason of entry.reasons) io.out(`      via ${reason}\n`)
  }
  return 0
}
