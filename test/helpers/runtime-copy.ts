// What the built CLI needs to run, copied where any user may enter: for tests that run `rolecall` as another user
// (nobody, uid 65534), since the checkout may sit where that user cannot go (a root-owned 0700 home, a `mktemp -d`).
import { chmodSync, copyFileSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, parse } from 'node:path'
import { repoRoot } from './cli.js'

/** The user the tests run the CLI as when they run as root: `nobody`. */
export const nobody = { uid: 65534, gid: 65534 }

/** Whether a user who is neither owner nor in the group may reach `path`: every directory above it lets others search it. */
export function isReachableByOthers(path: string): boolean {
  let dir = dirname(realpathSync(path))
  for (;;) {
    if ((statSync(dir).mode & 0o001) === 0) return false
    const parent = dirname(dir)
    if (parent === dir) return true
    dir = parent
  }
}

/** A directory for temporary files that others may enter: the system's temporary directory, else a usual one. */
export function sharedTempDir(): string {
  for (const candidate of [tmpdir(), '/tmp', '/var/tmp', '/dev/shm']) {
    try {
      if ((statSync(candidate).mode & 0o001) !== 0 && isReachableByOthers(join(candidate, '.'))) return candidate
    } catch {
      // not on this system
    }
  }
  throw new Error(`no temporary directory that other users may enter (tried ${tmpdir()}, /tmp, /var/tmp, /dev/shm)`)
}

/** The packages `npm ci --omit=dev` would install: the lockfile's top-level entries not marked dev. */
export function runtimePackages(lockfile: string): string[] {
  const lock = JSON.parse(readFileSync(lockfile, 'utf8')) as { packages?: Record<string, { dev?: boolean }> }
  return Object.entries(lock.packages ?? {})
    .filter(([path, entry]) => /^node_modules\/(@[^/]+\/)?[^/@][^/]*$/.test(path) && entry.dev !== true)
    .map(([path]) => path)
    .sort()
}

/**
 * Copies `from` to `to` so that others may read it: new directories are 0755; a file others may already read is
 * hard-linked (fast, and its mode is left alone) where the file system allows, and copied and made readable otherwise.
 */
function copyReadable(from: string, to: string): void {
  const stat = lstatSync(from)
  if (stat.isSymbolicLink()) {
    copyReadable(realpathSync(from), to)
    return
  }
  if (stat.isDirectory()) {
    mkdirSync(to, { mode: 0o755 })
    chmodSync(to, 0o755)
    for (const name of readdirSync(from)) copyReadable(join(from, name), join(to, name))
    return
  }
  if ((stat.mode & 0o004) !== 0 && ((stat.mode & 0o100) === 0 || (stat.mode & 0o001) !== 0)) {
    try {
      linkSync(from, to)
      return
    } catch {
      // another file system, or links not allowed: copy
    }
  }
  copyFileSync(from, to)
  chmodSync(to, (stat.mode & 0o100) === 0 ? 0o644 : 0o755)
}

export type RuntimeCopy = {
  /** The copy's root: run the CLI with this as its working directory. */
  root: string
  /** `bin/rolecall.js` in the copy. */
  cliPath: string
  /** A node binary others may run: the one running the tests, or a copy of it when others cannot reach that one. */
  nodePath: string
  remove: () => void
}

/** bin/, dist/ (built), schemas/, package.json and the runtime node_modules, in a new directory under sharedTempDir(). */
export function copyRuntime(): RuntimeCopy {
  const root = mkdtempSync(join(sharedTempDir(), 'rolecall-runtime-'))
  chmodSync(root, 0o755)
  try {
    if (statSync(join(repoRoot, 'dist', 'cli', 'main.js'), { throwIfNoEntry: false }) === undefined) {
      throw new Error('dist/ is missing: run `npm run build` before the end-to-end tests')
    }
    for (const name of ['bin', 'dist', 'schemas', 'package.json']) copyReadable(join(repoRoot, name), join(root, name))
    mkdirSync(join(root, 'node_modules'), { mode: 0o755 })
    chmodSync(join(root, 'node_modules'), 0o755)
    for (const path of runtimePackages(join(repoRoot, 'package-lock.json'))) {
      const source = join(repoRoot, path)
      const scope = parse(path).dir
      mkdirSync(join(root, scope), { recursive: true, mode: 0o755 })
      chmodSync(join(root, scope), 0o755)
      // An optional dependency for another platform is in the lockfile and not on disk.
      if (statSync(source, { throwIfNoEntry: false }) !== undefined) copyReadable(source, join(root, path))
    }
    let nodePath = process.execPath
    if (!isReachableByOthers(nodePath) || (statSync(nodePath).mode & 0o001) === 0) {
      nodePath = join(root, 'node')
      copyReadable(process.execPath, nodePath)
      chmodSync(nodePath, 0o755)
    }
    return { root, cliPath: join(root, 'bin', 'rolecall.js'), nodePath, remove: () => rmSync(root, { recursive: true, force: true }) }
  } catch (error) {
    rmSync(root, { recursive: true, force: true })
    throw error
  }
}
