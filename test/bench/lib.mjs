// Shared helpers of the benchmarks: time whole commands as processes, report medians.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

// Commands that write the audit log ask who acts (`--actor` or ROLECALL_ACTOR): every benchmark's processes act as this
// person unless the caller's shell names another, so that a benchmark never stops on the question.
process.env.ROLECALL_ACTOR ??= 'rolecall-bench'

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
export const cli = fileURLToPath(new URL('../../bin/rolecall.js', import.meta.url))

/** Run `node args…` `runs` times after one warm-up; returns wall-clock milliseconds, sorted. */
export function timeProcess(args, { runs = 7, env = {} } = {}) {
  const times = []
  for (let i = 0; i <= runs; i++) {
    const start = process.hrtime.bigint()
    const result = spawnSync(process.execPath, args, { env: { ...process.env, NO_COLOR: '1', ...env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
    const ms = Number(process.hrtime.bigint() - start) / 1e6
    if (result.error) throw result.error
    if (i > 0) times.push({ ms, status: result.status, stdout: result.stdout })
  }
  return times.sort((a, b) => a.ms - b.ms)
}

export function median(sorted) {
  return sorted[Math.floor(sorted.length / 2)]
}

/** `name: median 412 ms (min 398, max 455) — target < 2000 ms: 21% of budget` */
export function report(name, sorted, targetMs) {
  const mid = median(sorted).ms
  const line = `${name}: median ${mid.toFixed(0)} ms (min ${sorted[0].ms.toFixed(0)}, max ${sorted[sorted.length - 1].ms.toFixed(0)}, ${sorted.length} runs)`
  const verdict = targetMs === undefined ? '' : ` | target < ${targetMs} ms: ${((100 * mid) / targetMs).toFixed(0)}% of budget${mid < targetMs ? '' : ' — OVER'}`
  console.log(line + verdict)
  return mid
}

/** mulberry32: a tiny seeded PRNG, so generated data is the same on every run. */
export function random(seed) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Runs `rolecall ...args` (dist/) to completion and returns what it printed; throws when it fails. */
export function runRolecall(args) {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1 << 28 })
  if (result.status !== 0) throw new Error(`rolecall ${args[0]} failed: ${result.stderr}`)
  return result.stdout
}

/**
 * One `node args…` process under /usr/bin/time (or max-rss.mjs): wall milliseconds, CPU milliseconds (user + system,
 * which a machine busy with other work inflates less than wall time), peak RSS in MiB, its stdout. `allowed` exit codes.
 */
export function runMeasured(args, env, { allowed = [0] } = {}) {
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined
  const command = timeBin ?? process.execPath
  const argv = timeBin === undefined ? [fileURLToPath(new URL('./max-rss.mjs', import.meta.url)), ...args] : ['-f', '%U %S %M', process.execPath, ...args]
  const start = process.hrtime.bigint()
  const result = spawnSync(command, argv, { env, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (result.error) throw result.error
  const [user, system, kib] = (result.stderr.trim().split('\n').at(-1) ?? '').split(' ').map(Number)
  if (!allowed.includes(result.status)) throw new Error(`${args.join(' ')} exited ${result.status}:\n${result.stderr}`)
  return { ms, cpuMs: ((user ?? 0) + (system ?? 0)) * 1000, mib: (kib ?? 0) / 1024, stdout: result.stdout }
}

/** A new, empty database `name` on the PostgreSQL server of `serverUrl` (dropped first if there), and its URL. */
export async function createDatabase(serverUrl, name) {
  const { default: postgres } = await import('postgres')
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name}`)
  await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE template0`)
  await admin.end()
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

export async function dropDatabase(serverUrl, name) {
  const { default: postgres } = await import('postgres')
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`DROP DATABASE ${name}`)
  await admin.end()
}

/**
 * A bare node:http server for the floors (scim-write-floor.mjs, scim-postgres-floor.mjs): reads each body whole,
 * answers 401 unless it carries `Bearer token`, else hands it to `answer(request, body, response)`; prints its
 * port as the JSON `listening` line that load.mjs's startProcess waits for.
 */
export async function serveBare(token, answer) {
  const { createServer } = await import('node:http')
  const server = createServer((request, response) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk) => (body += chunk))
    request.on('end', () => {
      if (request.headers.authorization !== `Bearer ${token}`) {
        response.writeHead(401)
        response.end()
        return
      }
      answer(request, body, response)
    })
  })
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ msg: 'listening', port: server.address().port })}\n`))
  return server
}
