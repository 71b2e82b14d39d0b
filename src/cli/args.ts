// Helpers for option values: choices with a did-you-mean, and ROLECALL_* settings where an empty one means unset.
import { suggestion } from '../diag/suggest.js'
import { UsageError } from '../errors.js'

/** The value of a choice flag, checked against its allowed values, with a did-you-mean for a near miss. */
export function oneOf<const C extends readonly string[]>(flag: string, value: string | undefined, choices: C, fallback: C[number]): C[number] {
  if (value === undefined) return fallback
  if ((choices as readonly string[]).includes(value)) return value as C[number]
  throw new UsageError(`--${flag} must be one of ${choices.join(', ')} (got "${value}")${suggestion(value, choices)}`)
}

/**
 * A ROLECALL_* setting from the environment, or undefined when it is unset or empty: `ROLECALL_ACCESS_DIR=` (as CI
 * templates and `env -u`-less scripts leave it) means "not set", not "the working directory".
 */
export function envSetting(env: NodeJS.ProcessEnv, name: `ROLECALL_${string}`): string | undefined {
  const value = env[name]
  return value === undefined || value === '' ? undefined : value
}
