// parseArgs (node:util) with rolecall's conventions: unknown flags are usage errors, ROLECALL_* env fills defaults.
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from '../errors.js'

type Options = NonNullable<ParseArgsConfig['options']>

/** Parse `argv` strictly; any mistake becomes a UsageError naming the command. */
export function parseCommandArgs<T extends Options>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new UsageError(`${command}: ${message.split('\n')[0]}`)
  }
}

/** The value of a choice flag, checked against its allowed values. */
export function oneOf<const C extends readonly string[]>(
  flag: string,
  value: string | undefined,
  choices: C,
  fallback: C[number],
): C[number] {
  if (value === undefined) return fallback
  if ((choices as readonly string[]).includes(value)) return value as C[number]
  throw new UsageError(`--${flag} must be one of ${choices.join(', ')} (got "${value}")`)
}

/**
 * A ROLECALL_* setting from the environment, or undefined when it is unset or empty: `ROLECALL_ACCESS_DIR=` (as CI
 * templates and `env -u`-less scripts leave it) means "not set", not "the working directory".
 */
export function envSetting(env: NodeJS.ProcessEnv, name: `ROLECALL_${string}`): string | undefined {
  const value = env[name]
  return value === undefined || value === '' ? undefined : value
}
