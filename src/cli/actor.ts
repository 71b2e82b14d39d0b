// Who runs a command that writes the audit log: --actor, else ROLECALL_ACTOR. Required there, so that the audit log
// names a person rather than `cli`.
import { UsageError } from '../errors.js'
import { envSetting } from './args.js'
import type { Io } from './io.js'

/** The person doing `what`; a usage error saying how to give one when there is none. */
export function requireActor(given: string | undefined, what: string, io: Pick<Io, 'env'>): string {
  const actor = (given ?? envSetting(io.env, 'ROLECALL_ACTOR'))?.trim()
  if (actor === undefined || actor === '') {
    throw new UsageError(`${what} is kept in the audit log with who did it: give --actor NAME (your name or e-mail), or set ROLECALL_ACTOR=NAME in your shell`)
  }
  return actor
}
