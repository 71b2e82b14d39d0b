// What a command declares about its command line: options, arguments, subcommands, exit codes and examples. The one
// source that parsing, help, did-you-mean and shell completion are all made from.
import type { Io } from './io.js'

export type OptionSpec = {
  readonly type: 'string' | 'boolean'
  readonly description: string
  /** The value's name in help and usage (`--db FILE`). */
  readonly value?: string
  /** Given several times, the values are collected in order. */
  readonly multiple?: boolean
  /** The only values allowed; an other is a usage error with a did-you-mean. */
  readonly choices?: readonly string[]
  /** Applied when the option is not given (choice options only: others resolve their defaults where they are used). */
  readonly default?: string
  /** The default as help shows it, for an option whose default is resolved where it is used (flag, then env, then this). */
  readonly defaultText?: string
  /** The ROLECALL_* (or other) environment variable read when the option is not given. */
  readonly env?: string
}

export type ArgumentSpec = { readonly name: string; readonly description: string; readonly variadic?: boolean }

export type Options = Readonly<Record<string, OptionSpec>>

/** One level of a command line: the command itself, or one subcommand (`token create`). */
export type LevelSpec = {
  readonly summary: string
  /** More than the summary, shown by `--help` under it. */
  readonly description?: string
  readonly options?: Options
  /** Positional arguments, for usage and help; the command checks how many it got (its messages say what is missing). */
  readonly arguments?: readonly ArgumentSpec[]
  /** Two (or more) command lines, each with what it does, shown by `--help`. */
  readonly examples?: readonly (readonly [command: string, what: string])[]
  /** Exit codes and their meaning; 0 and 1 are listed for every command that says nothing. */
  readonly exitCodes?: Readonly<Record<number, string>>
}

export type CommandSpec = LevelSpec & {
  readonly name: string
  /** Options shared by every subcommand (`--db`). */
  readonly subcommands?: Readonly<Record<string, LevelSpec>>
}

type ValueOf<O extends OptionSpec> = O['type'] extends 'boolean' ? boolean : O['choices'] extends readonly (infer C)[] ? C : string
type OptionValue<O extends OptionSpec> = O['multiple'] extends true ? ValueOf<O>[] : ValueOf<O>
type WithDefault<T extends Options> = { [K in keyof T as T[K] extends { default: string } ? K : never]: OptionValue<T[K]> }
type WithoutDefault<T extends Options> = { [K in keyof T as T[K] extends { default: string } ? never : K]?: OptionValue<T[K]> }
/** Parsed option values by long flag name (`values['detailed-exitcode']`). */
export type Values<T extends Options | undefined> = T extends Options ? WithDefault<T> & WithoutDefault<T> : Record<never, never>

type Level<L extends LevelSpec, Shared extends Options | undefined> = { values: Values<L['options']> & Values<Shared>; positionals: string[] }

/** What a command's `run` receives: for a command with subcommands, which one, with its options and the shared ones. */
export type Parsed<S extends CommandSpec> =
  S['subcommands'] extends Readonly<Record<string, LevelSpec>>
    ? { [K in keyof S['subcommands'] & string]: Level<S['subcommands'][K], S['options']> & { subcommand: K } }[keyof S['subcommands'] & string]
    : Level<S, undefined> & { subcommand?: undefined }

/** Parsed arguments before they meet their command's types. */
export type RawParsed = { values: Record<string, string | boolean | string[] | undefined>; positionals: string[]; subcommand?: string }

/** A command as the CLI knows it: its spec, and how to run it (the implementation is loaded only then). */
export type CommandEntry = { spec: CommandSpec; run: (args: RawParsed, io: Io) => Promise<number> }

/**
 * Tie a spec to the module that runs it. The parser has checked every value against the spec (flags known, choices
 * allowed, multiple collected), which is what makes the arguments a `Parsed<S>`.
 */
export function defineCommand<const S extends CommandSpec>(spec: S, load: () => Promise<{ run: (args: Parsed<S>, io: Io) => Promise<number> }>): CommandEntry {
  return { spec, run: async (args, io) => (await load()).run(args as Parsed<S>, io) }
}
