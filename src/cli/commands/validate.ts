// rolecall validate: placeholder until the loader lands.
import type { Io } from '../io.js'

export async function run(_argv: string[], io: Io): Promise<number> {
  io.out('validate: not yet implemented\n')
  return 0
}
