// One `serve` setting read from its flag, else its ROLECALL_* variable (an empty one is unset): seconds or a whole number, checked, with the name to blame.
import { didYouMean } from '../diag/suggest.js'
import { UsageError } from '../errors.js'

/** A setting's text and where it came from (`--port`, `ROLECALL_PORT`), for the usage error that names it. */
export type Setting = { text: string; name: string }

/** The flag's text, else the variable's (an empty one is unset). */
export function settingOf(flag: string, given: string | undefined, envName: `ROLECALL_${string}`, env: NodeJS.ProcessEnv): Setting | undefined {
  if (given !== undefined) return { text: given, name: `--${flag}` }
  const fromEnv = env[envName]
  return fromEnv === undefined || fromEnv === '' ? undefined : { text: fromEnv, name: envName }
}

/** A number of seconds (to the millisecond) from 0.001 to `maxSeconds`, as milliseconds; `fallback` when unset. */
export function secondsSetting(setting: Setting | undefined, fallback: number, maxSeconds: number): number {
  if (setting === undefined) return fallback
  // Whole milliseconds: Node's timers have no finer grain, and 0 would turn the limit off.
  const ms = /^\d+(\.\d{1,3})?$/.test(setting.text) ? Math.round(Number(setting.text) * 1000) : Number.NaN
  if (!(ms >= 1 && ms <= maxSeconds * 1000)) throw new UsageError(`${setting.name} must be a number of seconds from 0.001 to ${maxSeconds} (got "${setting.text}")`)
  return ms
}

/** A whole number from 1 to `max`; `fallback` when unset. */
export function countSetting(setting: Setting | undefined, fallback: number, max: number): number {
  if (setting === undefined) return fallback
  const count = /^\d+$/.test(setting.text) ? Number(setting.text) : Number.NaN
  if (!(count >= 1 && count <= max)) throw new UsageError(`${setting.name} must be a whole number from 1 to ${max} (got "${setting.text}")`)
  return count
}

/** One of `choices`; `fallback` when unset. A near miss is named (`--log-level warning`: did you mean "warn"?). */
export function choiceSetting<const C extends string>(setting: Setting | undefined, choices: readonly C[], fallback: C): C {
  if (setting === undefined) return fallback
  if ((choices as readonly string[]).includes(setting.text)) return setting.text as C
  // A choice the text begins with, or that begins with it, is a near miss too (`warning`, `tok`).
  const near = didYouMean(setting.text, choices) ?? choices.find((choice) => setting.text.startsWith(choice) || (setting.text.length >= 2 && choice.startsWith(setting.text)))
  throw new UsageError(`${setting.name} must be one of ${choices.join(', ')} (got "${setting.text}")${near === undefined ? '' : `; did you mean "${near}"?`}`)
}
