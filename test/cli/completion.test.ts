// rolecall completion bash|zsh|fish: scripts made from the commands' specs, each run in its own shell (Debian's bash,
// zsh and fish, which .ci/run installs), completing the same command lines to the same words.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, runProcess } from '../helpers/cli.js'

type Shell = 'bash' | 'zsh' | 'fish'
const scripts = new Map<Shell, string>()
const scratch = mkdtempSync(join(tmpdir(), 'rolecall-completion-'))

beforeAll(async () => {
  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    const result = await runCli(['completion', shell])
    expect(result.code).toBe(0)
    scripts.set(shell, result.stdout)
    writeFileSync(join(scratch, `rolecall.${shell}`), result.stdout)
  }
})
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function script(shell: Shell): string {
  const text = scripts.get(shell)
  if (text === undefined) throw new Error(`no ${shell} script`)
  return text
}

async function run(command: string, args: string[]): Promise<string[]> {
  const result = await runProcess(command, args, { input: null })
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
  return result.stdout.split('\n').filter((word) => word !== '')
}

/** What bash completes for `line` (the cursor at its end), with the script rolecall prints loaded. */
function bashCompletes(line: string): Promise<string[]> {
  const words = line.split(' ')
  const program = `${script('bash')}\nCOMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _rolecall; printf '%s\\n' "\${COMPREPLY[@]}"`
  return run('bash', ['--noprofile', '--norc', '-c', program])
}

/**
 * What zsh completes for `line`: the script's _rolecall runs in zsh as compsys would call it (words, CURRENT, PREFIX set),
 * with compsys's compadd, _describe and _files (which exist only inside a completion widget) replaced by ones that print
 * the candidates matching the prefix, as the real ones offer them.
 */
function zshCompletes(line: string): Promise<string[]> {
  const harness = [
    'compdef() { print -r -- "compdef $*" >&2 }',
    `source ${join(scratch, 'rolecall.zsh')} 2>/dev/null`,
    'compadd() { [[ $1 == -- ]] && shift; local w; for w in "$@"; do [[ $w == ${PREFIX}* ]] && print -r -- $w; done; return 0 }',
    '_describe() { local entry; for entry in "${(@P)2}"; do entry=${entry%%:*}; [[ $entry == ${PREFIX}* ]] && print -r -- $entry; done; return 0 }',
    "_files() { print -r -- '(files)' }",
    'words=(${(z)1}); [[ $1 == *" " ]] && words+=("")',
    'CURRENT=${#words}; PREFIX=${words[CURRENT]}',
    '_rolecall',
  ].join('\n')
  return run('zsh', ['-f', '-c', harness, 'zsh', line])
}

/** What fish completes for `line`, with the script loaded (`complete -C`, as fish's own tab key asks). */
async function fishCompletes(line: string): Promise<string[]> {
  const program = `function rolecall; end; source ${join(scratch, 'rolecall.fish')}; complete -C ${JSON.stringify(line)}`
  return (await run('fish', ['--no-config', '-c', program])).map((entry) => entry.split('\t')[0] ?? '')
}

const completes: Record<Shell, (line: string) => Promise<string[]>> = { bash: bashCompletes, zsh: zshCompletes, fish: fishCompletes }

// Each line with what every shell completes (in any order: shells sort as they please).
const lines: [string, string[]][] = [
  ['rolecall val', ['validate']],
  ['rolecall to', ['token']],
  ['rolecall token r', ['rotate', 'revoke']],
  ['rolecall plan --fo', ['--format']],
  ['rolecall plan --format m', ['markdown']],
  ['rolecall plan --db x --format ', ['text', 'markdown', 'json']],
  ['rolecall token create --con', ['--connection']],
  ['rolecall break-glass create --re', ['--resource', '--reason']],
  ['rolecall audit export --o', ['--out']],
  ['rolecall serve --log-level w', ['warn']],
]

describe.each(['bash', 'zsh', 'fish'] as const)('rolecall completion %s', (shell) => {
  it.each(lines)('completes "%s"', async (line, expected) => {
    expect((await completes[shell](line)).sort()).toEqual([...expected].sort())
  })
})

describe('what each script completes beyond the shared lines', () => {
  it('bash: a value that is not a choice completes as a file name (complete -o default)', async () => {
    expect(await bashCompletes('rolecall plan --out ')).toEqual([])
    expect(script('bash')).toMatch(/\ncomplete -o default -F _rolecall rolecall\n$/)
  })

  it('zsh: a value that is not a choice completes as a file name; the script is an autoloadable #compdef file', async () => {
    expect(await zshCompletes('rolecall plan --out ')).toEqual(['(files)'])
    expect(script('zsh')).toMatch(/^#compdef rolecall\n/)
    expect(script('zsh')).toMatch(/\ncompdef _rolecall rolecall\n$/)
    // Descriptions reach zsh's menu beside each word.
    expect(script('zsh')).toContain("'validate:check access/ against the schemas and references'")
  })

  it('fish: descriptions beside each word; a value that is not a choice completes as a file name', async () => {
    const result = await runProcess('fish', ['--no-config', '-c', `function rolecall; end; source ${join(scratch, 'rolecall.fish')}; complete -C "rolecall val"`], { input: null })
    expect(result.stdout).toBe('validate\tcheck access/ against the schemas and references\n')
    expect(script('fish')).toContain("complete -c rolecall -n '__fish_seen_subcommand_from token; and __fish_seen_subcommand_from create' -l connection -r -F")
  })
})
