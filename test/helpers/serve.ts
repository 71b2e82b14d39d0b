// Runs the built CLI (`node bin/rolecall.js`) for end-to-end tests: `serve` on an ephemeral 127.0.0.1 port, and one-shot commands.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { isDatabaseUrl } from '../../src/store/location.js'
import { openDatabase } from '../../src/store/sqlite/open.js'
import { testActor } from './cli.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const bin = fileURLToPath(new URL('../../bin/rolecall.js', import.meta.url))

function requireBuild(): void {
  if (!existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)))) {
    throw new Error('dist/ is missing: run `npm run build` before the end-to-end tests')
  }
}

/** Runs `rolecall ...args` to completion, as the person testActor (commands that write the audit log ask who). */
export function runCli(args: string[], env: Record<string, string> = {}) {
  requireBuild()
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1', ROLECALL_ACTOR: testActor, ...env }, encoding: 'utf8' })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** A new SCIM token for `connection`, read from the last line of `token create` (on a store made first, as serve would; a database URL of test-store.ts holds one). */
export function createToken(db: string, connection: string): string {
  if (!isDatabaseUrl(db) && !existsSync(db)) openDatabase(db).close()
  const result = runCli(['token', 'create', '--connection', connection, '--db', db])
  if (result.status !== 0) throw new Error(`token create failed: ${result.stderr}`)
  return result.stdout.trimEnd().split('\n').at(-1) ?? ''
}

export type RunningServer = {
  url: string
  port: number
  child: ChildProcess
  /** Every stdout line so far (JSON log lines). */
  lines: string[]
  /** Everything written to stderr so far. */
  stderr: () => string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts `rolecall serve --port 0` and resolves once it logs the port it bound. */
export function startServer(db: string, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<RunningServer> {
  requireBuild()
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--host', '127.0.0.1', '--db', db, ...extraArgs], {
    cwd: root,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  return new Promise((resolve, reject) => {
    let buffer = ''
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      let newline = buffer.indexOf('\n')
      while (newline !== -1) {
        const line = buffer.slice(0, newline)
        buffer = buffer.slice(newline + 1)
        lines.push(line)
        try {
          const entry = JSON.parse(line) as { msg?: string; port?: number }
          if (entry.msg === 'listening' && typeof entry.port === 'number') {
            resolve({ url: `http://127.0.0.1:${entry.port}`, port: entry.port, child, lines, stderr: () => stderr, exited })
          }
        } catch {
          // not a log line
        }
        newline = buffer.indexOf('\n')
      }
    })
    void exited.then(({ code }) => reject(new Error(`serve exited (${code}) before listening: ${stderr}`)))
  })
}

/** A port nothing listens on now (the server below binds it a moment later). */
async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const address = probe.address()
  await new Promise((resolve) => probe.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** `rolecall serve` on a free port, ready once /healthz answers: for a log level that leaves out the `listening` line. */
export async function startQuietServer(db: string, args: string[]): Promise<RunningServer> {
  requireBuild()
  const port = await freePort()
  const child = spawn(process.execPath, [bin, 'serve', '--port', String(port), '--db', db, ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  let buffer = ''
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk
    const complete = buffer.split('\n')
    buffer = complete.pop() ?? ''
    lines.push(...complete)
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  const url = `http://127.0.0.1:${port}`
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`serve exited (${child.exitCode})`)
    if (
      await fetch(`${url}/healthz`).then(
        (response) => response.ok,
        () => false,
      )
    )
      return { url, port, child, lines, stderr: () => stderr, exited }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('serve did not answer /healthz within 10 s')
}
