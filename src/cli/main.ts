// argv → command → exit code. The command line is parsed from the commands' specs; each command's implementation
// is loaded only when it runs, so that `--help` starts fast.
import { UsageError } from '../errors.js'
import { describeFailure } from './failure.js'
import { processIo, type Io } from './io.js'
import { CommandLineError, parseCommandLine } from './program.js'
import type { CommandEntry } from './spec.js'
import { completionCommand } from './specs/completion.js'
import { inspectCommands } from './specs/inspect.js'
import { operateCommands } from './specs/operate.js'
import { guardCommands } from './specs/guard.js'
import { reviewCommands } from './specs/review.js'

export { describeFailure }

/** Every command by name, in the order `--help` lists them. */
export const commands: Record<string, CommandEntry> = Object.fromEntries([...reviewCommands, ...inspectCommands, ...operateCommands, ...guardCommands, completionCommand].map((entry) => [entry.spec.name, entry]))

export const version = '0.1.0'

/** Run the CLI with `argv` (without node and script). Never throws: every failure is printed, and exits 1. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let usage: string | undefined
  try {
    const line = await parseCommandLine(argv, Object.values(commands), version, io)
    if (line.kind === 'done') return line.code
    usage = line.usage
    return await line.entry.run(line.args, io)
  } catch (error) {
    if (error instanceof UsageError) {
      const shown = error instanceof CommandLineError ? error.usage : usage
      io.err(`rolecall: ${error.message}\n${shown === undefined ? '' : `Usage: ${shown}\n`}`)
      return 1
    }
    io.err(describeFailure(error, io.env))
    return 1
  }
}
