// The README's "Running several replicas on PostgreSQL" commands, run as written with `bash -e` against the test
// run's PostgreSQL server: only the values on the block's first line (PGHOST, PGPORT, PGUSER, PGPASSWORD) and the
// replicas' ports 8081 and 8082 are replaced. Through to two replicas answering SCIM and check requests.
import { spawn } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { cliPath, repoRoot } from './helpers/cli.js'

const marker = '<!-- rolecall:replicas-commands'

/** The fenced shell block that follows the marker in the README. */
function replicaCommands(readme: string): string {
  const at = readme.indexOf(marker)
  if (at === -1) throw new Error(`the README has no ${marker} marker`)
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at))
  if (block?.[1] === undefined) throw new Error('no ```sh block after the marker')
  return block[1]
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** Replaces every `from` (a whole number) in `text`, which must hold at least one. */
function replacePort(text: string, from: number, to: number): string {
  const pattern = new RegExp(`\\b${from}\\b`, 'g')
  expect(text, `the commands use port ${from}`).toMatch(pattern)
  return text.replace(pattern, String(to))
}

const work = mkdtempSync(join(tmpdir(), 'rolecall-readme-'))
let group: number | undefined

afterAll(() => {
  // The replicas run in the background of the script's process group: stop them all.
  if (group !== undefined) {
    try {
      process.kill(-group, 'SIGTERM')
    } catch {
      // Already gone.
    }
  }
  rmSync(work, { recursive: true, force: true })
})

describe('README: Running several replicas on PostgreSQL', () => {
  it('runs as written, from creating the database to two replicas answering SCIM and check requests', async () => {
    const server = new URL(inject('postgresUrl'))
    const password = decodeURIComponent(server.password)
    const commands = replicaCommands(readFileSync(join(repoRoot, 'README.md'), 'utf8'))
    const [first, ...rest] = commands.split('\n')
    expect(first).toMatch(/^export PGHOST=\S+ PGPORT=\S+ PGUSER=\S+ PGPASSWORD='[^']*'$/)
    const ports = [await freePort(), await freePort()] as const
    const script = replacePort(replacePort([`export PGHOST=${server.hostname} PGPORT=${server.port} PGUSER=${decodeURIComponent(server.username)} PGPASSWORD='${password}'`, ...rest].join('\n'), 8081, ports[0]), 8082, ports[1])
    // A database the commands create: gone from an earlier run on the same server.
    const admin = postgres(server.toString(), { max: 1, onnotice: () => undefined })
    await admin.unsafe('DROP DATABASE IF EXISTS rolecall WITH (FORCE)')
    await admin.end()

    // `rolecall` on the PATH, as `npm install -g` puts it there.
    writeFileSync(join(work, 'rolecall'), `#!/bin/sh\nexec "${process.execPath}" "${cliPath}" "$@"\n`)
    chmodSync(join(work, 'rolecall'), 0o755)
    writeFileSync(join(work, 'commands.sh'), script)

    const child = spawn('bash', ['-e', join(work, 'commands.sh')], {
      cwd: work,
      detached: true,
      env: { PATH: `${work}:${process.env.PATH ?? ''}`, HOME: work, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    group = child.pid
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    // The background replicas keep the pipes open: wait for the script itself.
    const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)))
    expect(code, `${stderr}\n${stdout}`).toBe(0)

    const replies = stdout
      .split('\n')
      .filter((line) => line.startsWith('{') || line.startsWith('Audit') || line.startsWith('Head'))
      .filter((line) => !line.includes('"level"'))
    const json = replies.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>)
    // Both replicas ready; the user written on the first, read back from the second; the check answered there.
    expect(json.filter((reply) => reply['status'] === 'ready')).toHaveLength(2)
    const created = json.find((reply) => reply['userName'] === 'ann@acme.example')
    expect(created).toMatchObject({ userName: 'ann@acme.example', id: expect.any(String) })
    expect(json.find((reply) => 'totalResults' in reply)).toMatchObject({ totalResults: 1, Resources: [{ id: created?.['id'], userName: 'ann@acme.example' }] })
    expect(json.find((reply) => 'allowed' in reply)).toMatchObject({ allowed: false })
    expect(replies.join('\n')).toMatch(/Audit chain intact: \d+ entries\.\nHead: entry \d+, hash [0-9a-f]{64}/)
    expect(stdout + stderr).not.toContain(password)
  }, 90_000)
})
