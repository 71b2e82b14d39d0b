// The completion command: shell completion scripts made from the commands' specs.
import { defineCommand } from '../spec.js'

export const shells = ['bash', 'zsh', 'fish'] as const

export const completionSpec = {
  name: 'completion',
  summary: 'print a shell completion script for bash, zsh or fish',
  arguments: [{ name: 'shell', description: `the shell: ${shells.join(', ')}` }],
  examples: [
    ['source <(npx rolecall completion bash)', 'complete rolecall in this bash session (add it to ~/.bashrc to keep it)'],
    ['npx rolecall completion fish > ~/.config/fish/completions/rolecall.fish', 'install it for fish; for zsh, write `completion zsh` to a file named _rolecall on $fpath'],
  ],
} as const

export const completionCommand = defineCommand(completionSpec, () => import('../commands/completion.js'))
