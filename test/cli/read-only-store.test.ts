// Commands that only read (audit verify, token list, admin-token list, backup) work on a store that may not be
// written: a read-only file in a read-only directory, as on a read-only mount. Root ignores file modes, so as root
// the CLI runs as `nobody`, from a copy of the built CLI that nobody may enter wherever the checkout sits.
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { migrate, migrations } from '../../src/store/sqlite/migrations.js'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { runCli, runProcess, type CliResult, testActor } from '../helpers/cli.js'
import { copyRuntime, nobody, sharedTempDir, type RuntimeCopy } from '../helpers/runtime-copy.js'

const isRoot = process.getuid?.() === 0

let runtime: RuntimeCopy | undefined
beforeAll(() => {
  if (isRoot) runtime = copyRuntime()
})
afterAll(() => runtime?.remove())

/** `rolecall ...args` as a user that may not write the store (nobody, when the tests run as root). */
function runUnprivileged(args: string[]): Promise<CliResult> {
  if (runtime === undefined) return runCli(args)
  return runProcess(runtime.nodePath, [runtime.cliPath, ...args], { cwd: runtime.root, env: { NO_COLOR: '1', ROLECALL_ACTOR: testActor }, user: nobody })
}

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) {
    chmodSync(dir, 0o755)
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) if (entry.isDirectory()) chmodSync(join(entry.parentPath, entry.name), 0o755)
    rmSync(dir, { recursive: true, force: true })
  }
})

/** A new directory that the unprivileged user may enter. */
function tempDir(): string {
  const dir = mkdtempSync(join(sharedTempDir(), 'rolecall-ro-'))
  chmodSync(dir, 0o755)
  dirs.push(dir)
  return dir
}

async function fill(path: string): Promise<void> {
  const store = openSqliteStore(path)
  await store.createToken('okta')
  await store.createAdminToken(['check'], 'storefront')
  await store.createUser('okta', { userName: 'ro@example.com' }, { actor: 'scim:okta' })
  await store.close()
}

function makeReadOnly(storeDir: string): void {
  for (const name of readdirSync(storeDir)) chmodSync(join(storeDir, name), 0o444)
  chmodSync(storeDir, 0o555)
}

async function expectReadable(path: string, outDir: string): Promise<void> {
  const verified = await runUnprivileged(['audit', 'verify', '--db', path])
  expect(verified.stderr).toBe('')
  expect(verified.stdout).toMatch(/^Audit chain intact: 4 entries\./)
  const tokens = await runUnprivileged(['token', 'list', '--db', path])
  expect(tokens.code).toBe(0)
  expect(tokens.stdout).toMatch(/^tok_\S+ {2}okta {2}rcs_/)
  const adminTokens = await runUnprivileged(['admin-token', 'list', '--db', path])
  expect(adminTokens.code).toBe(0)
  expect(adminTokens.stdout).toContain('storefront')
  const copy = join(outDir, 'copy.db')
  const backup = await runUnprivileged(['backup', '--db', path, '--out', copy])
  expect(backup.stderr).toBe('')
  expect(backup.code).toBe(0)
  const restored = openSqliteStore(copy)
  expect((await restored.snapshot()).users.map((user) => user.userName)).toEqual(['ro@example.com'])
  expect(await restored.verifyAudit()).toMatchObject({ ok: true, entries: 4 })
  await restored.close()
}

function outDir(): string {
  const dir = join(tempDir(), 'out')
  mkdirSync(dir)
  chmodSync(dir, 0o777)
  return dir
}

describe('a store that may not be written', () => {
  it('can be verified, listed and backed up after a clean shutdown (no -wal or -shm beside it)', async () => {
    const storeDir = join(tempDir(), 'store')
    const path = join(storeDir, 'rolecall.db')
    await fill(path)
    expect(existsSync(`${path}-wal`)).toBe(false)
    makeReadOnly(storeDir)
    await expectReadable(path, outDir())
    // The commands ran as a user who may not write the store: a write is refused, and leaves nothing beside it.
    const write = await runUnprivileged(['token', 'create', '--connection', 'okta', '--db', path])
    expect(write.code).toBe(1)
    expect(write.stderr).toMatch(/^rolecall: the store .* is read-only/)
    expect(readdirSync(storeDir)).toEqual(['rolecall.db'])
  })

  it('can be verified, listed and backed up as a live server left it (with -wal and -shm)', async () => {
    const live = join(tempDir(), 'live', 'rolecall.db')
    await fill(live)
    // A snapshot of the directory taken while a server had the store open: the last writes are in the WAL.
    const server = openSqliteStore(live)
    const storeDir = join(tempDir(), 'snapshot')
    cpSync(join(live, '..'), storeDir, { recursive: true })
    await server.close()
    expect(existsSync(join(storeDir, 'rolecall.db-wal'))).toBe(true)
    makeReadOnly(storeDir)
    await expectReadable(join(storeDir, 'rolecall.db'), outDir())
  })
})

describe('commands that only read', () => {
  it('neither migrate a store nor leave -wal and -shm files beside it', async () => {
    const path = join(tempDir(), 'old.db')
    const db = new Database(path)
    db.pragma('journal_mode = WAL')
    // The schema before the recorded audit head (later migrations, such as the explorer's index, come after it).
    const beforeHead = migrations.findIndex((sql) => sql.includes('CREATE TABLE audit_head'))
    migrate(db, beforeHead)
    db.close()
    for (const args of [
      ['audit', 'verify'],
      ['audit', 'export'],
      ['token', 'list'],
      ['admin-token', 'list'],
    ]) {
      const result = await runCli([...args, '--db', path])
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
    }
    expect((await runCli(['audit', 'verify', '--db', path])).stderr).toContain('predates the recorded head')
    expect(existsSync(`${path}-wal`) || existsSync(`${path}-shm`)).toBe(false)
    const after = new Database(path)
    expect(after.pragma('user_version', { simple: true })).toBe(beforeHead)
    after.close()
  })
})
