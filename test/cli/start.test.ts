// `npm start` (serve --bootstrap): the example access/ validated, its connections created, and a SCIM token for each,
// shown once where only a person reads it (a terminal's stderr, or a 0600 file), never in what serve logs.
import { readFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bootstrap } from '../../src/cli/bootstrap.js'
import { storeLocation } from '../../src/store/location.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { captureIo } from '../helpers/capture-io.js'
import { repoRoot } from '../helpers/cli.js'
import { startServer, type RunningServer } from '../helpers/serve.js'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rolecall-start-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function stop(server: RunningServer) {
  server.child.kill('SIGTERM')
  return server.exited
}

/** Everything serve wrote, stdout and stderr. */
function everything(server: RunningServer): string {
  return `${server.lines.join('\n')}\n${server.stderr()}`
}

async function activeTokens(db: string): Promise<string[]> {
  const store = openSqliteStore(db)
  try {
    // Sorted: tokens made in the same millisecond list in no particular order.
    return (await store.listTokens())
      .filter((token) => token.revokedAt === undefined)
      .map((token) => token.connection)
      .sort()
  } finally {
    await store.close()
  }
}

describe('serve --bootstrap', () => {
  it('makes no token when stderr is not a terminal and no --token-file is given, and says how to get one', async () => {
    const db = join(dir, 'piped.db')
    const server = await startServer(db, ['--bootstrap'])
    expect(await stop(server)).toEqual({ code: 0, signal: null })
    expect(everything(server)).not.toMatch(/rcs_/)
    expect(server.stderr()).toContain('rolecall: no SCIM token made for "okta", "entra": stderr is not a terminal, and a token printed where logs are collected leaks. Start once with --token-file FILE')
    expect(server.stderr()).toContain('npx rolecall admin-token create --scope check')
    expect(await activeTokens(db)).toEqual([])
  })

  it('writes a token for every connection to a new 0600 --token-file, logs none, and makes none on the next start', async () => {
    const db = join(dir, 'file.db')
    const tokenFile = join(dir, 'tokens.txt')
    const first = await startServer(db, ['--bootstrap', '--token-file', tokenFile])
    const lines = (await readFile(tokenFile, 'utf8')).trimEnd().split('\n')
    expect(lines.map((line) => line.split(' ')[0])).toEqual(['okta', 'entra'])
    const tokens = lines.map((line) => line.split(' ')[2] ?? '')
    for (const token of tokens) expect(token).toMatch(/^rcs_[A-Za-z0-9_-]{43}$/)
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600)
    const users = await fetch(`${first.url}/scim/v2/Users`, { headers: { authorization: `Bearer ${tokens[0] ?? ''}` } })
    expect(users.status).toBe(200)
    expect(first.stderr()).toContain(`rolecall: wrote SCIM tokens for "okta", "entra" to ${tokenFile} (mode 0600`)
    expect(await stop(first)).toEqual({ code: 0, signal: null })
    for (const token of tokens) expect(everything(first)).not.toContain(token)

    const second = await startServer(db, ['--bootstrap'])
    expect(await stop(second)).toEqual({ code: 0, signal: null })
    expect(everything(second)).not.toMatch(/rcs_|no SCIM token made/)
    expect(await activeTokens(db)).toEqual(['entra', 'okta'])
  })

  it('refuses a --token-file that exists, before making any token', async () => {
    const db = join(dir, 'exists.db')
    const tokenFile = join(dir, 'taken.txt')
    await writeFile(tokenFile, 'keep me\n')
    await expect(startServer(db, ['--bootstrap', '--token-file', tokenFile])).rejects.toThrow(`rolecall: --token-file ${tokenFile} already exists; tokens go only to a new file`)
    expect(await readFile(tokenFile, 'utf8')).toBe('keep me\n')
    expect(await activeTokens(db)).toEqual([])
  })

  it('on a terminal, shows each token once on stderr and nothing on stdout', async () => {
    const db = join(dir, 'tty.db')
    const io = captureIo({ ROLECALL_ACTOR: 'ops@acme.example' }, { cwd: repoRoot, isErrTty: true })
    await bootstrap({ dir: undefined, location: storeLocation(db, dir), connection: {}, tokenFile: undefined }, io)
    expect(io.stdout).toBe('')
    expect(io.stderr).toMatch(/^rolecall: SCIM token tok_[0-9a-f]+ for connection "okta" \(shown only this once; give it to your IdP\):\nrcs_[A-Za-z0-9_-]{43}\nrolecall: SCIM token tok_[0-9a-f]+ for connection "entra" /)
    expect(await activeTokens(db)).toEqual(['entra', 'okta'])
    const again = captureIo({}, { cwd: repoRoot, isErrTty: true })
    await bootstrap({ dir: undefined, location: storeLocation(db, dir), connection: {}, tokenFile: undefined }, again)
    expect(again.stderr).toBe('')
  })
})
