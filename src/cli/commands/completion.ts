// rolecall completion bash|zsh|fish: print the completion script for one shell.
import { UsageError } from '../../errors.js'
import { suggestion } from '../../diag/suggest.js'
import { completionScript } from '../completion.js'
import type { Io } from '../io.js'
import type { Parsed } from '../spec.js'
import { shells, type completionSpec } from '../specs/completion.js'

export async function run(args: Parsed<typeof completionSpec>, io: Io): Promise<number> {
  const [shell, ...rest] = args.positionals
  if (shell === undefined || rest.length > 0) throw new UsageError(`completion: name one shell: ${shells.join(', ')}`)
  if (!(shells as readonly string[]).includes(shell)) throw new UsageError(`completion: no completion for "${shell}"; shells are ${shells.join(', ')}${suggestion(shell, shells)}`)
  // The registry is read here, not imported at the top: main.ts lists this command.
  const { commands } = await import('../main.js')
  io.out(completionScript(shell as (typeof shells)[number], Object.values(commands)))
  return 0
}
