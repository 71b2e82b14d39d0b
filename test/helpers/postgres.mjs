// A real PostgreSQL server for tests, started by the tests: a fresh cluster in a temporary directory, on 127.0.0.1
// with a free port, password authentication, and fsync off (for tests only, never for servers: a killed server
// loses nothing it acknowledged, as commits still wait for their WAL to reach the operating system).
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Where Debian's postgresql package puts the server's programs; the newest version found. */
/** @returns {string} */
function serverBin() {
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).filter((name) => existsSync(join(root, name, 'bin', 'pg_ctl'))) : []
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0]
  if (newest === undefined) {
    throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl): the PostgreSQL tests need it; install Debian\'s postgresql package (.ci/run does)')
  }
  return join(root, newest, 'bin')
}

/** @returns {Promise<number>} */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolvePort(address.port) : reject(new Error('no port'))))
    })
  })
}


/**
 * Starts a new cluster. initdb refuses to run as root: as root, the cluster belongs to the `postgres` system user
 * (which the Debian package creates) and its programs run through runuser, in a directory that user can read.
 */
/** @returns {Promise<import('./postgres.mjs').PostgresServer>} */
export async function startPostgres() {
  const bin = serverBin()
  const isRoot = process.getuid?.() === 0
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-pg-'))
  const data = join(dir, 'data')
  const password = `pw-${process.pid}-${Date.now()}`
  const user = 'rolecall_test'
  writeFileSync(join(dir, 'password'), `${password}\n`)
  if (isRoot) {
    const { uid, gid } = postgresUser()
    chownSync(dir, uid, gid)
    chownSync(join(dir, 'password'), uid, gid)
  }
  chmodSync(dir, 0o700)
  const run = (/** @type {string} */ program, /** @type {string[]} */ args) => {
    const command = isRoot ? 'runuser' : join(bin, program)
    const argv = isRoot ? ['-u', 'postgres', '--', join(bin, program), ...args] : args
    const result = spawnSync(command, argv, { cwd: dir, encoding: 'utf8' })
    if (result.status !== 0) throw new Error(`${program} failed (${result.status}): ${result.stderr || result.stdout}${logTail(dir)}`)
  }
  run('initdb', ['-D', data, '-U', user, '--pwfile', join(dir, 'password'), '-A', 'scram-sha-256', '-E', 'UTF8', '--locale', 'C.UTF-8', '--no-sync'])
  const port = await freePort()
  const options = [
    `-c listen_addresses=127.0.0.1`,
    `-c port=${port}`,
    `-c unix_socket_directories=${dir}`,
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c max_connections=300',
    '-c shared_buffers=128MB',
  ].join(' ')
  const pidFile = join(data, 'postmaster.pid')
  const postmaster = () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : undefined)
  const start = () => {
    // After a SIGKILL the lock file stays; a dead (or unreaped) postmaster's would stop the new one.
    const pid = postmaster()
    if (pid !== undefined && !isRunning(pid)) {
      rmSync(pidFile, { force: true })
      rmSync(join(dir, `.s.PGSQL.${port}.lock`), { force: true })
    }
    run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', '-t', '60', 'start'])
  }
  start()
  const host = '127.0.0.1'
  const url = `postgres://${user}:${encodeURIComponent(password)}@${host}:${port}/postgres`
  let databases = 0
  const psql = (/** @type {string} */ sql) => execFileSync(join(bin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql], { encoding: 'utf8' })
  /** @type {import('./postgres.mjs').PostgresServer} */
  const server = {
    url,
    host,
    port,
    user,
    password,
    async createDatabase() {
      const name = `rolecall_${process.pid}_${++databases}`
      psql(`CREATE DATABASE ${name} TEMPLATE template0`)
      return `postgres://${user}:${encodeURIComponent(password)}@${host}:${port}/${name}`
    },
    kill() {
      const pid = postmaster()
      if (pid === undefined) return
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // Already gone.
      }
      const deadline = Date.now() + 10_000
      while (isRunning(pid) && Date.now() < deadline) spawnSync('sleep', ['0.05'])
    },
    start,
    stop() {
      if (existsSync(join(data, 'postmaster.pid'))) run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
    },
    destroy() {
      process.removeListener('exit', server.destroy)
      if (!existsSync(dir)) return
      try {
        server.stop()
      } catch {
        server.kill()
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
  // A test process that ends without destroying its server (a crash, a timeout) still leaves nothing behind.
  process.once('exit', server.destroy)
  return server
}

/** Whether the process runs (an exited one that nobody reaped yet does not). */
/** @param {number} pid */
function isRunning(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !/^\d+ \(.*\) [ZX] /.test(stat)
  } catch {
    return false
  }
}

function postgresUser() {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'))
  if (line === undefined) throw new Error('there is no postgres system user: install Debian\'s postgresql package, which creates it (.ci/run does)')
  const [, , uid, gid] = line.split(':')
  return { uid: Number(uid), gid: Number(gid) }
}

/** @param {string} dir */
function logTail(dir) {
  const log = join(dir, 'log')
  return existsSync(log) ? `\n${readFileSync(log, 'utf8').split('\n').slice(-20).join('\n')}` : ''
}
