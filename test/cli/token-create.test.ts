// rolecall token create refuses what is most likely a typo: a --db that does not exist, a connection that differs
// from an existing one only in case, a connection the applied Organization does not declare (unless --force).
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { runCli } from '../helpers/cli.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-token-'))
  dirs.push(dir)
  return dir
}

/** A store with an `okta` connection; with `applied`, an applied Organization that declares those connections. */
async function store(applied?: string[]): Promise<string> {
  const path = join(tempDir(), 'rolecall.db')
  const opened = openSqliteStore(path)
  await opened.ensureConnection('okta')
  if (applied !== undefined) {
    const organization = { kind: 'Organization', name: 'acme', connections: applied.map((name) => ({ name, provider: 'okta' })) }
    await opened.recordApply(
      {
        commit: null,
        author: null,
        approvedBy: [],
        planDigest: 'p',
        desiredDigest: 'd',
        directoryDigest: 'x',
        summary: {},
        documents: [{ file: 'org/organization.yaml', doc: organization }],
        directory: { users: [], groups: [], memberships: [] },
        actor: 'cli',
      },
      () => undefined,
    )
  }
  await opened.close()
  return path
}

const create = (db: string, ...args: string[]) => runCli(['token', 'create', '--db', db, ...args])
const connections = async (db: string) => {
  const opened = openSqliteStore(db, { readonly: true })
  try {
    return await opened.listConnections()
  } finally {
    await opened.close()
  }
}

describe('rolecall token create', () => {
  it('refuses a --db that does not exist, and creates nothing there', async () => {
    const db = join(tempDir(), 'typo-dir', 'rolecall.db')
    const result = await create(db, '--connection', 'okta')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`no database at ${db}`)
    expect(existsSync(join(db, '..'))).toBe(false)
  })

  it('refuses a connection that differs only in case from an existing one', async () => {
    const db = await store()
    const result = await create(db, '--connection', 'Okta')
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('connection "Okta" differs only in case from the existing connection "okta"')
    expect(await connections(db)).toEqual(['okta'])
    expect((await create(db, '--connection', 'Okta', '--force')).code).toBe(1)
  })

  it('refuses a connection the applied Organization does not declare, naming those it does, unless --force', async () => {
    const db = await store(['okta', 'entra'])
    const typo = await create(db, '--connection', 'okra')
    expect(typo.code).toBe(1)
    expect(typo.stderr).toContain('the applied Organization declares "okta", "entra", not "okra"')
    expect(typo.stderr).toContain('Did you mean --connection okta?')
    expect(await connections(db)).toEqual(['okta'])
    // Declared but not yet used by any token: fine.
    const declared = await create(db, '--connection', 'entra')
    expect(declared.code).toBe(0)
    expect(declared.stdout).toMatch(/for connection "entra"/)
    const forced = await create(db, '--connection', 'okra', '--force')
    expect(forced.code).toBe(0)
    expect(await connections(db)).toEqual(['entra', 'okra', 'okta'])
  })

  it('creates any well-formed connection before the first apply', async () => {
    const db = await store()
    const result = await create(db, '--connection', 'entra')
    expect(result.code).toBe(0)
    expect(result.stdout.trimEnd().split('\n').at(-1)).toMatch(/^rcs_/)
  })
})
