// `rolecall demo` runs the whole loop against a real server on 127.0.0.1 and leaves nothing behind.
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'

describe('rolecall demo', () => {
  it('provisions over SCIM, applies, shows the pull-request comment and the drift', async () => {
    const result = await runCli(['demo'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const titles = [...result.stdout.matchAll(/^━━ (\d+)\. (.*)$/gm)].map((match) => match[2])
    expect(titles).toEqual([
      'A rolecall server on a temporary store',
      'Okta provisions people and groups over SCIM',
      'The example access/ is applied',
      'A pull request lets Support Tier 2 edit production auth configs: the comment CI posts',
      'Okta adds morgan.intern to security-admins, outside review: held until a reviewed apply (rolecall drift)',
    ])
    expect(result.stdout).toContain('<!-- rolecall-plan -->')
    expect(result.stdout).toContain('gains `edit auth-config:*/* in production` (critical)')
    expect(result.stdout).not.toContain('loses `read auth-config')
    expect(result.stdout).toMatch(/\[critical\] h1 morgan\.intern@acme\.example: morgan\.intern@acme\.example added to okta group security-admins since \S+, open\n.*permission sso:manage/)
  })
})
