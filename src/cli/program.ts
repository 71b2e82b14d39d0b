// The command line, parsed by commander from the commands' specs: subcommands, typed options, help with defaults and
// environment variables, exit codes and examples, and a did-you-mean for unknown commands, options and choices.
import { Command, CommanderError, Option } from 'commander'
import { UsageError } from '../errors.js'
import { oneOf } from './args.js'
import type { Io } from './io.js'
import type { CommandEntry, LevelSpec, OptionSpec, Options, RawParsed } from './spec.js'

/** What the command line asks for: a command to run, or nothing more (help or the version was printed). */
export type CommandLine = { kind: 'run'; entry: CommandEntry; args: RawParsed; usage: string } | { kind: 'done'; code: number }

/** The option's help text: what it is, then what it may be, its default and the variable that sets it. */
export function describeOption(spec: OptionSpec): string {
  const extras = [
    spec.choices === undefined ? '' : `one of ${spec.choices.join(', ')}`,
    spec.default !== undefined ? `default ${spec.default}` : spec.defaultText !== undefined ? `default ${spec.defaultText}` : '',
    spec.env === undefined ? '' : `env ${spec.env}`,
  ].filter((text) => text !== '')
  return extras.length === 0 ? spec.description : `${spec.description} (${extras.join('; ')})`
}

function flagsOf(name: string, spec: OptionSpec): string {
  return spec.type === 'boolean' ? `--${name}` : `--${name} <${spec.value ?? 'VALUE'}>`
}

function helpAfter(level: LevelSpec): string {
  const codes = Object.entries(level.exitCodes ?? { 0: 'success', 1: 'errors, or a bad command line' })
  const examples = level.examples ?? []
  return ['', 'Exit codes:', ...codes.map(([code, meaning]) => `  ${code}  ${meaning}`), ...(examples.length === 0 ? [] : ['', 'Examples:', ...examples.flatMap(([line, what]) => [`  $ ${line}`, `      ${what}`])])].join('\n')
}

/** The full command path of `command`, as typed: `rolecall token create`. */
function pathOf(command: Command): string {
  const names: string[] = []
  for (let current: Command | null = command; current !== null; current = current.parent) names.unshift(current.name())
  return names.join(' ')
}

function usageOf(command: Command): string {
  return `${pathOf(command)} ${command.usage()}`
}

/** The values by long flag name, choices checked (with a did-you-mean) and their defaults applied. */
function valuesOf(command: Command, options: Options): RawParsed['values'] {
  const given = command.opts<Record<string, string | boolean | string[] | undefined>>()
  const values: RawParsed['values'] = {}
  for (const option of command.options) {
    const name = option.long?.slice(2)
    const spec = name === undefined ? undefined : options[name]
    if (name === undefined || spec === undefined) continue
    const value = given[option.attributeName()]
    if (spec.choices !== undefined && spec.default !== undefined && typeof value !== 'boolean' && !Array.isArray(value)) {
      values[name] = oneOf(name, value, spec.choices, spec.default)
    } else {
      values[name] = value
    }
  }
  return values
}

/** One commander command for one level of a spec; `onRun` receives what it parsed. */
function levelCommand(name: string, level: LevelSpec, options: Options, onRun: (command: Command, values: RawParsed['values']) => void): Command {
  const command = new Command(name).description(level.description === undefined ? level.summary : `${level.summary}\n\n${level.description}`).summary(level.summary)
  for (const [flag, spec] of Object.entries(options)) {
    const option = new Option(flagsOf(flag, spec), describeOption(spec))
    if (spec.multiple === true) option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value])
    command.addOption(option)
  }
  for (const argument of level.arguments ?? []) command.argument(`[${argument.name}${argument.variadic === true ? '...' : ''}]`, argument.description)
  // The command checks how many positionals it got, and says what is missing in its own words.
  command.allowExcessArguments(true)
  command.addHelpText('after', helpAfter(level))
  command.action((..._args: unknown[]) => onRun(command, valuesOf(command, options)))
  return command
}

/** The whole command line of rolecall, writing help to `io.out`; errors are thrown, for the caller to print. */
export function buildProgram(entries: readonly CommandEntry[], version: string, io: Io, onRun: (line: Extract<CommandLine, { kind: 'run' }>) => void): Command {
  const program = new Command('rolecall')
    .usage('<command> [options]')
    .description('rolecall: access as code. Map IdP groups to roles and grants, review them in pull requests, and reconcile them against the store your identity provider fills over SCIM.')
    .version(version, '-v, --version', 'print the version')
    .configureHelp({ subcommandTerm: (command) => command.name(), sortSubcommands: false })
    .addHelpText('after', '\nRun `rolecall <command> --help` for the options, exit codes and examples of one command.')
  for (const entry of entries) {
    const { spec } = entry
    const run = (command: Command, values: RawParsed['values'], subcommand?: string) =>
      onRun({ kind: 'run', entry, usage: usageOf(command), args: { values, positionals: [...command.args], ...(subcommand === undefined ? {} : { subcommand }) } })
    if (spec.subcommands === undefined) {
      program.addCommand(levelCommand(spec.name, spec, spec.options ?? {}, (command, values) => run(command, values)))
      continue
    }
    const parent = new Command(spec.name).description(spec.summary).summary(spec.summary).usage('<command> [options]')
    parent.configureHelp({ subcommandTerm: (command) => command.name(), sortSubcommands: false })
    for (const [name, level] of Object.entries(spec.subcommands)) {
      parent.addCommand(levelCommand(name, level, { ...level.options, ...spec.options }, (command, values) => run(command, values, name)))
    }
    program.addCommand(parent)
  }
  const configure = (command: Command): void => {
    command.exitOverride()
    command.helpOption('-h, --help', 'show this help')
    if (command.commands.length > 0) command.helpCommand('help [command]', 'show the help of a command')
    command.showSuggestionAfterError(true)
    command.configureOutput({ writeOut: io.out, writeErr: io.err, outputError: () => {} })
    command.commands.forEach(configure)
  }
  configure(program)
  return program
}

/** The command that failed to parse: commander errors name no command, so find the deepest one the words name. */
function commandAt(program: Command, argv: readonly string[]): Command {
  let current = program
  for (const word of argv) {
    const next = current.commands.find((command) => command.name() === word)
    if (next === undefined) break
    current = next
  }
  return current
}

/** `error: unknown option '--fromat'\n(Did you mean --format?)` → `unknown option '--fromat'; did you mean --format?` */
function oneLine(message: string): string {
  return message
    .replace(/^error: /, '')
    .replace(/\n\(Did you mean (.*)\?\)$/, '; did you mean $1?')
    .replace(/\n/g, ' ')
}

/** Parse `argv` (without node and script). A mistake is a UsageError carrying the usage of the command it is in. */
export async function parseCommandLine(argv: readonly string[], entries: readonly CommandEntry[], version: string, io: Io): Promise<CommandLine> {
  let line: CommandLine | undefined
  const program = buildProgram(entries, version, io, (parsed) => (line = parsed))
  if (argv.length === 0) {
    io.out(program.helpInformation())
    return { kind: 'done', code: 1 }
  }
  try {
    await program.parseAsync([...argv], { from: 'user' })
  } catch (error) {
    if (error instanceof UsageError) throw new CommandLineError(error.message, usageOf(commandAt(program, argv)))
    if (!(error instanceof CommanderError)) throw error
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return { kind: 'done', code: 0 }
    // A command with subcommands, given none: its help went to stderr.
    if (error.code === 'commander.help') return { kind: 'done', code: 1 }
    const command = commandAt(program, argv)
    if (error.code === 'commander.unknownCommand') {
      const unknown = command.args[0] ?? ''
      const hint = /\(Did you mean (.*)\?\)/.exec(error.message)?.[1]
      const where = command === program ? '' : `${pathOf(command).replace(/^rolecall /, '')}: `
      throw new CommandLineError(`${where}unknown command "${unknown}"${hint === undefined ? '.' : `; did you mean "${hint}"?`} Run \`${pathOf(command)} --help\` for the list.`)
    }
    throw new CommandLineError(`${pathOf(command).replace(/^rolecall /, '')}: ${oneLine(error.message)}`, usageOf(command))
  }
  return line ?? { kind: 'done', code: 0 }
}

/** A mistake in the command line, with the usage of the command it was made in (if any) to print after it. */
export class CommandLineError extends UsageError {
  override name = 'CommandLineError'
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message)
  }
}
