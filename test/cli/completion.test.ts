// rolecall completion bash|zsh|fish: scripts made from the commands' specs. The bash one is run in bash.
import { describe, expect, it } from 'vitest'
import { runCli, runProcess } from '../helpers/cli.js'

/** What bash completes for `line` (the cursor at its end), with the script rolecall prints loaded. */
async function bashCompletes(script: string, line: string): Promise<string[]> {
  const words = line.split(' ')
  const program = `${script}\nCOMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _rolecall; printf '%s\\n' "\${COMPREPLY[@]}"`
  const result = await runProcess('bash', ['--noprofile', '--norc', '-c', program], { input: null })
  expect(result.stderr).toBe('')
  return result.stdout.split('\n').filter((word) => word !== '')
}

describe('rolecall completion bash', () => {
  it.each([
    ['rolecall val', ['validate']],
    ['rolecall to', ['token']],
    ['rolecall token r', ['rotate', 'revoke']],
    ['rolecall plan --fo', ['--format']],
    ['rolecall plan --format m', ['markdown']],
    ['rolecall plan --db x --format ', ['text', 'markdown', 'json']],
    ['rolecall token create --con', ['--connection']],
    ['rolecall break-glass create --re', ['--resource', '--reason']],
    ['rolecall audit export --o', ['--out']],
    // A value that is not a choice completes as a file name (complete -o default).
    ['rolecall plan --out ', []],
  ])('completes "%s"', async (line, expected) => {
    const script = await runCli(['completion', 'bash'])
    expect(script.code).toBe(0)
    expect(await bashCompletes(script.stdout, line)).toEqual(expected)
  })

  it('registers the function for the rolecall command', async () => {
    expect((await runCli(['completion', 'bash'])).stdout).toMatch(/\ncomplete -o default -F _rolecall rolecall\n$/)
  })
})

describe('rolecall completion zsh and fish', () => {
  it('zsh: commands and options with their descriptions, choices, files for other values', async () => {
    const { code, stdout } = await runCli(['completion', 'zsh'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^#compdef rolecall\n/)
    expect(stdout).toContain("'validate:check access/ against the schemas and references'")
    expect(stdout).toContain("('plan|--format') compadd -- 'text' 'markdown' 'json'; return ;;")
    expect(stdout).toContain("'--connection:the IdP connection, as the Organization'\\''s connections name it; required'")
    expect(stdout).toContain("'token create'")
    expect(stdout).toMatch(/\ncompdef _rolecall rolecall\n$/)
  })

  it('fish: one complete line per command, subcommand and option', async () => {
    const { code, stdout } = await runCli(['completion', 'fish'])
    expect(code).toBe(0)
    const lines = stdout.split('\n')
    expect(lines).toContain("complete -c rolecall -n '__fish_use_subcommand' -a validate -d 'check access/ against the schemas and references'")
    expect(lines).toContain("complete -c rolecall -n '__fish_seen_subcommand_from token; and not __fish_seen_subcommand_from create list rotate revoke' -a create -d 'a SCIM token for one connection, shown once'")
    expect(lines).toContain("complete -c rolecall -n '__fish_seen_subcommand_from plan' -l format -x -a 'text markdown json' -d 'output format: text, markdown (a pull-request comment) or json'")
    expect(lines).toContain("complete -c rolecall -n '__fish_seen_subcommand_from token; and __fish_seen_subcommand_from create' -l connection -r -F -d 'the IdP connection, as the Organization\\'s connections name it; required'")
  })
})
