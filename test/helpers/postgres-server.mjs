// A real PostgreSQL 15 server for tests and benchmarks: a throw-away cluster under /tmp, started and removed by us.
import { execFile, spawnSync } from 'node:child_process'
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Where Debian's postgresql-15 package puts the server's programs; ROLECALL_PG_BIN overrides. */
export const postgresBin = process.env.ROLECALL_PG_BIN ?? '/usr/lib/postgresql/15/bin'

/** Settings that trade durability for speed: for throw-away test clusters only, never for a real server. */
const testSettings = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: '300',
  shared_buffers: '64MB',
  max_locks_per_transaction: '256',
  // Fault tests kill the postmaster; a restart must not wait for a checkpoint of a large WAL.
  max_wal_size: '256MB',
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0

/** The postgres system user's uid and gid (initdb refuses root: as root, the cluster runs as that user). */
function postgresUser() {
  const result = spawnSync('id', ['-u', 'postgres'])
  const group = spawnSync('id', ['-g', 'postgres'])
  if (result.status !== 0 || group.status !== 0) {
    throw new Error('PostgreSQL tests run as root need the "postgres" system user (Debian\'s postgresql package creates it): apt-get install -y postgresql')
  }
  return { uid: Number(String(result.stdout).trim()), gid: Number(String(group.stdout).trim()) }
}

/** `program` of the server's bin directory, run as the postgres user when we are root. */
function command(program, args) {
  const path = join(postgresBin, program)
  return isRoot ? { file: 'runuser', args: ['-u', 'postgres', '--', path, ...args] } : { file: path, args }
}

async function runServerProgram(program, args, options = {}) {
  const { file, args: fullArgs } = command(program, args)
  try {
    return await run(file, fullArgs, { ...options, env: { ...process.env, LC_ALL: 'C.UTF-8', PGTZ: 'UTC' } })
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim()
    throw new Error(`${program} ${args.join(' ')} failed: ${output || error.message}`, { cause: error })
  }
}

function runServerProgramSync(program, args) {
  const { file, args: fullArgs } = command(program, args)
  return spawnSync(file, fullArgs, { stdio: 'ignore', env: { ...process.env, LC_ALL: 'C.UTF-8' } })
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolvePort(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}

const sleep = (ms) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms))

/** Fails loudly, saying what to install, when the server's programs are not there: PostgreSQL tests are never skipped. */
export function requirePostgres(bin = postgresBin) {
  for (const program of ['initdb', 'pg_ctl', 'postgres', 'psql']) {
    if (!existsSync(join(bin, program))) {
      throw new Error(
        `PostgreSQL 15 is required by these tests and is not installed: ${join(bin, program)} is missing. ` +
          'Install it with `apt-get install -y postgresql` (Debian), or set ROLECALL_PG_BIN to the directory holding initdb, pg_ctl and postgres.',
      )
    }
  }
}

/**
 * Starts a new PostgreSQL cluster in a fresh directory under /tmp, listening on 127.0.0.1 at a free port and on a
 * Unix socket in that directory, trust authentication for the `postgres` role. `stop()` removes everything; so
 * does the process exiting. `kill()` SIGKILLs the postmaster (a crash); `restart()` starts it again on the same
 * port and data (crash recovery).
 *
 * `crashSafe`: commits are written to the kernel before they are acknowledged (`synchronous_commit=on`, still
 * without fsync). A killed postmaster then loses no acknowledged commit, as on a real server; with the default
 * (`off`, faster) the last ~200 ms of commits die with it. Fault tests that count acknowledged writes need it.
 */
export async function startPostgres(options = {}) {
  requirePostgres()
  // mkdtemp makes the directory 0700: the postgres user must enter it (CI may run from a directory it cannot).
  const dir = mkdtempSync('/tmp/rolecall-pg-')
  chmodSync(dir, 0o755)
  if (isRoot) {
    const { uid, gid } = postgresUser()
    chownSync(dir, uid, gid)
  }
  const data = join(dir, 'data')
  const log = join(dir, 'server.log')
  let isStopped = false
  const removeNow = () => {
    if (isStopped) return
    isStopped = true
    runServerProgramSync('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', removeNow)
  try {
    await runServerProgram('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--lc-collate=C', '--no-sync', '--no-instructions'])
  } catch (error) {
    removeNow()
    throw error
  }
  let port = 0
  const serverOptions = () =>
    [
      `-c port=${port}`,
      `-c listen_addresses=127.0.0.1`,
      `-c unix_socket_directories=${dir}`,
      ...Object.entries({ ...testSettings, ...(options.crashSafe === true ? { synchronous_commit: 'on' } : {}) }).map(([name, value]) => `-c ${name}=${value}`),
    ].join(' ')
  const start = async () => {
    await runServerProgram('pg_ctl', ['-D', data, '-l', log, '-o', serverOptions(), '-w', '-t', '30', 'start'])
  }
  for (let attempt = 0; ; attempt++) {
    port = await freePort()
    try {
      await start()
      break
    } catch (error) {
      // Another process took the port between our probe and the server's bind: pick another.
      if (attempt >= 4) {
        removeNow()
        throw new Error(`${error.message}\n${tail(log)}`, { cause: error })
      }
    }
  }
  const cluster = {
    ...connectTo({ port, socketDir: dir }),
    dir,
    /** A fast shutdown that keeps the data (restart() starts it again). */
    async stopServer() {
      await runServerProgram('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
    },
    /** SIGKILL of the postmaster: what a crash of the database host looks like to clients. */
    kill() {
      const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0])
      process.kill(pid, 'SIGKILL')
    },
    /** Starts the server again on the same port and data, waiting for the killed server's backends to go first. */
    async restart() {
      const deadline = Date.now() + 30_000
      for (;;) {
        try {
          await start()
          return
        } catch (error) {
          if (Date.now() > deadline) throw new Error(`${error.message}\n${tail(log)}`, { cause: error })
          await sleep(200)
        }
      }
    },
    /** Stops the server and removes its directory. */
    async stop() {
      process.removeListener('exit', removeNow)
      removeNow()
    },
  }
  return cluster
}

function tail(log) {
  try {
    return readFileSync(log, 'utf8').split('\n').slice(-20).join('\n')
  } catch {
    return ''
  }
}

async function runPsql(port, socketDir, text, database = 'postgres') {
  const { stdout } = await run(join(postgresBin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At', '-h', socketDir, '-p', String(port), '-U', 'postgres', '-d', database, '-c', text], {
    env: { ...process.env, PGCONNECT_TIMEOUT: '5' },
  }).catch((error) => {
    throw new Error(`psql: ${String(error.stderr ?? error.message).trim()}`, { cause: error })
  })
  return stdout
}

/** What a test process needs to use a cluster another process started (vitest's provide() passes it). */
export function describeCluster(cluster) {
  return { port: cluster.port, socketDir: cluster.socketDir }
}

/** The superuser URL of a running cluster, and fresh databases on it (each test gets its own: they are cheap). */
export function connectTo({ port, socketDir }) {
  let databases = 0
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    socketDir,
    /** The URL of a new, empty database on this cluster. */
    async createDatabase() {
      const name = `t${process.pid}_${++databases}_${Math.random().toString(36).slice(2, 8)}`
      await runPsql(port, socketDir, `CREATE DATABASE ${name} TEMPLATE template0 STRATEGY FILE_COPY`)
      return `postgres://postgres@127.0.0.1:${port}/${name}`
    },
    /** Runs SQL as the superuser in `database`, rows as tab-separated lines (tests that act behind the store's back). */
    async sql(database, text) {
      return runPsql(port, socketDir, text, database)
    },
    /** Drops a database made by createDatabase, ending its sessions. */
    async dropDatabase(database) {
      await runPsql(port, socketDir, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    },
  }
}

