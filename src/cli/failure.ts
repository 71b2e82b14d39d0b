// What the CLI prints for a failure that is not a mistake in the command line: one line naming what went wrong (a
// file that cannot be written, a store that is not one, ...), the stack only when asked for.
import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { RolecallError } from '../errors.js'

/** Set (to anything but empty, 0 or false) to print the stack trace of a failure after its one-line message. */
export const debugVariable = 'ROLECALL_DEBUG'

function isDebug(env: NodeJS.ProcessEnv): boolean {
  const value = env[debugVariable]
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false'
}

/** Node's system error codes, as the end of "cannot open FILE: …". */
const systemProblems: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a directory, not a file',
  ENOTDIR: 'not a directory',
  EEXIST: 'it already exists',
  ENOTEMPTY: 'the directory is not empty',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many levels of symbolic links',
  EBUSY: 'it is busy',
  EXDEV: 'it is on another device',
  EIO: 'an input/output error',
  EADDRINUSE: 'the address is already in use',
  EADDRNOTAVAIL: 'the address is not available on this machine',
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'no such host',
  ETIMEDOUT: 'it timed out',
  EPIPE: 'the other end closed the pipe',
}

/** What the failed system call tried to do, by its name in Node's error. */
const syscallVerbs: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  close: 'close',
  stat: 'read',
  lstat: 'read',
  fstat: 'read',
  access: 'access',
  realpath: 'resolve',
  readlink: 'read the link',
  scandir: 'list the directory',
  opendir: 'list the directory',
  mkdir: 'create the directory',
  mkdtemp: 'create a directory in',
  rmdir: 'remove the directory',
  rm: 'remove',
  unlink: 'remove',
  rename: 'rename',
  copyfile: 'copy',
  cp: 'copy',
  symlink: 'link',
  link: 'link',
  chmod: 'change the mode of',
  chown: 'change the owner of',
  utime: 'touch',
  fsync: 'sync',
  fdatasync: 'sync',
  ftruncate: 'truncate',
  listen: 'listen on',
  bind: 'listen on',
  connect: 'connect to',
  getaddrinfo: 'look up',
}

type SystemError = Error & { code: string; syscall: string; path?: string; dest?: string; address?: string; port?: number; hostname?: string }

function isSystemError(error: unknown): error is SystemError {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string' && typeof (error as { syscall?: unknown }).syscall === 'string'
}

/** One line for a failed system call: what it tried to do to which file (or address), and why it could not. */
function describeSystemError(error: SystemError): string {
  const verb = syscallVerbs[error.syscall] ?? error.syscall
  const target =
    error.path !== undefined
      ? `${error.path}${error.dest === undefined ? '' : ` to ${error.dest}`}`
      : error.address !== undefined
        ? `${error.address}${error.port === undefined ? '' : `:${error.port}`}`
        : error.hostname
  const problem = systemProblems[error.code] ?? `${error.code}`
  // A file that cannot be created because its directory is missing: name the directory, which is what to fix.
  const missingDir = error.code === 'ENOENT' && error.path !== undefined && !existsSync(dirname(error.path)) ? ` (the directory ${dirname(error.path)} does not exist)` : ''
  return target === undefined ? `${verb} failed: ${problem} (${error.code})` : `cannot ${verb} ${target}: ${problem}${missingDir}`
}

/** The stack of `error` and of each error it was caused by. */
function stackOf(error: unknown): string {
  const lines: string[] = []
  for (let current = error, depth = 0; current !== undefined && depth < 10; depth++) {
    lines.push(`${depth === 0 ? '' : 'Caused by: '}${current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current)}`)
    current = current instanceof Error ? current.cause : undefined
  }
  return `${lines.join('\n')}\n`
}

/**
 * What to print for a failure that is not the user's mistake in the command line: one line naming what went wrong
 * (a file that cannot be written, a store that is not one, …) and, with ROLECALL_DEBUG, the stack. Anything
 * unforeseen is an internal error, with a hint to rerun with ROLECALL_DEBUG=1.
 */
export function describeFailure(error: unknown, env: NodeJS.ProcessEnv): string {
  const debug = isDebug(env) ? stackOf(error) : ''
  if (error instanceof RolecallError) return `rolecall: ${error.message}\n${debug}`
  if (isSystemError(error)) return `rolecall: ${describeSystemError(error)}\n${debug}`
  const message = error instanceof Error ? error.message : String(error)
  const hint = debug === '' ? `This is a bug in rolecall. Run again with ${debugVariable}=1 to see the stack trace, and report it with that output.\n` : debug
  return `rolecall: internal error: ${message}\n${hint}`
}

