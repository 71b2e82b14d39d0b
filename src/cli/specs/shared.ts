// Options that several commands take, declared once so that they read the same in every command's help.
import { defaultDbPath } from '../../server/config.js'
import type { OptionSpec } from '../spec.js'

export const dirOption = { type: 'string', value: 'DIR', description: 'the access directory', env: 'ROLECALL_ACCESS_DIR', defaultText: 'access' } as const satisfies OptionSpec

export const dbOption = {
  type: 'string',
  value: 'FILE|URL',
  description: 'the store, a SQLite file or a postgres:// URL, which must exist: `rolecall serve` creates it',
  env: 'ROLECALL_DB',
  defaultText: defaultDbPath,
} as const satisfies OptionSpec

export const serverOption = {
  type: 'string',
  value: 'URL',
  description: 'ask the admin API of `rolecall serve` at URL instead of opening the store (admin token in ROLECALL_TOKEN)',
  env: 'ROLECALL_SERVER',
} as const satisfies OptionSpec

export const actorOption = { type: 'string', value: 'NAME', description: 'who you are (a name or e-mail), kept in the audit log; required', env: 'ROLECALL_ACTOR' } as const satisfies OptionSpec

export const quietOption = { type: 'boolean', description: "no progress line on a terminal's stderr" } as const satisfies OptionSpec

export const insecureOption = { type: 'boolean', description: 'allow sending the admin token over plain http:// to a host that is not this machine' } as const satisfies OptionSpec

/** `--format` with these choices, the first being the default. */
export function formatOption<const C extends readonly [string, ...string[]]>(choices: C) {
  return { type: 'string', value: 'FORMAT', description: 'output format', choices, default: choices[0] } as const
}
