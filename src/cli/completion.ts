// Shell completion scripts for bash, zsh and fish, made from the commands' specs: commands, subcommands, options,
// and the values of choice options; other option values complete as file names.
import type { CommandEntry, OptionSpec } from './spec.js'

/** One place on the command line: `''` (the top), `plan`, `token`, `token create`. */
type Level = { key: string; children: [name: string, summary: string][]; options: [name: string, spec: OptionSpec][] }

function levelsOf(entries: readonly CommandEntry[]): Level[] {
  const top: Level = { key: '', children: entries.map(({ spec }) => [spec.name, spec.summary]), options: [] }
  return [
    top,
    ...entries.flatMap(({ spec }): Level[] => {
      if (spec.subcommands === undefined) return [{ key: spec.name, children: [], options: Object.entries(spec.options ?? {}) }]
      const subs = Object.entries(spec.subcommands)
      return [
        { key: spec.name, children: subs.map(([name, level]) => [name, level.summary]), options: [] },
        ...subs.map(([name, level]): Level => ({ key: `${spec.name} ${name}`, children: [], options: Object.entries({ ...level.options, ...spec.options }) })),
      ]
    }),
  ]
}

/** A POSIX shell single-quoted word. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`
}

function bash(levels: Level[]): string {
  const commandKeys = levels.filter((level) => level.key !== '').map((level) => level.key)
  const choiceCases = levels.flatMap((level) =>
    level.options.filter(([, spec]) => spec.choices !== undefined).map(([name, spec]) => `    ${quote(`${level.key}|--${name}`)}) COMPREPLY=($(compgen -W ${quote((spec.choices ?? []).join(' '))} -- "$cur")); return ;;`),
  )
  const valueCases = levels.flatMap((level) => level.options.filter(([, spec]) => spec.type === 'string' && spec.choices === undefined).map(([name]) => quote(`${level.key}|--${name}`)))
  const wordCases = levels.map((level) => `    ${quote(level.key)}) words=${quote([...level.children.map(([name]) => name), ...level.options.map(([name]) => `--${name}`), '--help'].join(' '))} ;;`)
  return `# bash completion for rolecall. Load it with: source <(rolecall completion bash)
_rolecall() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} key='' words='' i next
  local levels=${quote(`|${commandKeys.join('|')}|`)}
  for ((i = 1; i < COMP_CWORD; i++)); do
    next=\${key:+$key }\${COMP_WORDS[i]}
    if [[ $levels == *"|$next|"* ]]; then key=$next; fi
  done
  case "$key|$prev" in
${choiceCases.join('\n')}
  esac
  case "$key|$prev" in
    ${valueCases.length === 0 ? "'')" : `${valueCases.join('|')})`} COMPREPLY=(); return ;;
  esac
  case "$key" in
${wordCases.join('\n')}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _rolecall rolecall
`
}

/** A zsh `name:description` item, its colons escaped. */
function item(name: string, description: string): string {
  return quote(`${name.replace(/:/g, '\\:')}:${description.replace(/\n.*/s, '')}`)
}

function zsh(levels: Level[]): string {
  const commandKeys = levels.filter((level) => level.key !== '').map((level) => quote(level.key))
  const choiceCases = levels.flatMap((level) =>
    level.options.filter(([, spec]) => spec.choices !== undefined).map(([name, spec]) => `    (${quote(`${level.key}|--${name}`)}) compadd -- ${(spec.choices ?? []).map(quote).join(' ')}; return ;;`),
  )
  const valueCases = levels.flatMap((level) => level.options.filter(([, spec]) => spec.type === 'string' && spec.choices === undefined).map(([name]) => quote(`${level.key}|--${name}`)))
  const itemCases = levels.map((level) => {
    const children = level.children.map(([name, summary]) => item(name, summary))
    const options = level.options.map(([name, spec]) => item(`--${name}`, spec.description))
    const describe = [children.length === 0 ? '' : `children=(${children.join(' ')}); _describe command children`, options.length === 0 ? '' : `flags=(${options.join(' ')}); _describe option flags`].filter((part) => part !== '')
    return `    (${quote(level.key)}) ${describe.join('; ')}; return ;;`
  })
  return `#compdef rolecall
# zsh completion for rolecall. Write it to a file named _rolecall in a directory on $fpath: rolecall completion zsh > ~/.zfunc/_rolecall
_rolecall() {
  local key='' next i prev=\${words[CURRENT-1]}
  local -a children flags
  for ((i = 2; i < CURRENT; i++)); do
    next=\${key:+$key }\${words[i]}
    case "$next" in
      (${commandKeys.join('|')}) key=$next ;;
    esac
  done
  case "$key|$prev" in
${choiceCases.join('\n')}
    (${valueCases.length === 0 ? "''" : valueCases.join('|')}) _files; return ;;
  esac
  case "$key" in
${itemCases.join('\n')}
  esac
  _files
}
compdef _rolecall rolecall
`
}

/** A fish single-quoted string. */
function fishQuote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n.*/s, '')}'`
}

function fish(levels: Level[]): string {
  const lines = ['# fish completion for rolecall. Install it with: rolecall completion fish > ~/.config/fish/completions/rolecall.fish', 'complete -c rolecall -f']
  for (const level of levels) {
    const [command, sub] = level.key.split(' ')
    const siblings = level.children.map(([name]) => name).join(' ')
    const condition =
      level.key === ''
        ? '__fish_use_subcommand'
        : sub === undefined
          ? `__fish_seen_subcommand_from ${command}${siblings === '' ? '' : `; and not __fish_seen_subcommand_from ${siblings}`}`
          : `__fish_seen_subcommand_from ${command}; and __fish_seen_subcommand_from ${sub}`
    for (const [name, summary] of level.children) lines.push(`complete -c rolecall -n ${fishQuote(condition)} -a ${name} -d ${fishQuote(summary)}`)
    for (const [name, spec] of level.options) {
      const value = spec.type === 'boolean' ? '' : spec.choices !== undefined ? ` -x -a ${fishQuote(spec.choices.join(' '))}` : ' -r -F'
      lines.push(`complete -c rolecall -n ${fishQuote(condition)} -l ${name}${value} -d ${fishQuote(spec.description)}`)
    }
  }
  return `${lines.join('\n')}\n`
}

/** The completion script for `shell`. */
export function completionScript(shell: 'bash' | 'zsh' | 'fish', entries: readonly CommandEntry[]): string {
  const levels = levelsOf(entries)
  switch (shell) {
    case 'bash':
      return bash(levels)
    case 'zsh':
      return zsh(levels)
    case 'fish':
      return fish(levels)
    default: {
      const unreachable: never = shell
      throw new Error(`no completion for ${String(unreachable)}`)
    }
  }
}
