// argv → command → exit code. Commands are loaded lazily so that `--help` starts fast.
import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { RolecallError, UsageError } from '../errors.js'
import { processIo, type Io } from './io.js'

/** What every command module exports. Returns the process exit code. */
export type CommandModule = {
  run: (argv: string[], io: Io) => Promise<number>
}

type CommandEntry = {
  summary: string
  usage: string
  load: () => Promise<CommandModule>
}

/** Every command, in the order `--help` lists them. */
export const commands: Record<string, CommandEntry> = {
  validate: {
    summary: 'check access/ against the schemas and references',
    usage: 'rolecall validate [--dir access] [--format text|json|github]',
    load: () => import('./commands/validate.js'),
  },
  plan: {
    summary: 'show what applying access/ would change: objects, who gains or loses what, risks, policy',
    usage: 'rolecall plan [--dir access] [--db FILE] [--format text|markdown|json] [--out plan.json] [--detailed-exitcode]',
    load: () => import('./commands/plan.js'),
  },
  apply: {
    summary: 'apply a reviewed plan (or access/) to the store in one audited transaction',
    usage: 'rolecall apply [plan.json | --dir access] [--db FILE] [--approved-by NAME]... [--revision SHA] [--author NAME]',
    load: () => import('./commands/apply.js'),
  },
  approvals: {
    summary: "do the pull request's reviews satisfy the approvals the plan requires? (exit 0 yes, 1 no)",
    usage: 'rolecall approvals --plan plan.json --reviews reviews.json [--event event.json] [--teams teams.json] [--identities identities.json] [--format text|json]',
    load: () => import('./commands/approvals.js'),
  },
  codeowners: {
    summary: 'print (or --write) CODEOWNERS routing each access file to the approvers of its highest risk',
    usage: 'rolecall codeowners [--dir access] [--file .github/CODEOWNERS] [--write]',
    load: () => import('./commands/codeowners.js'),
  },
  'github-comment': {
    summary: 'create or update the one pull-request comment that carries the plan (token from GITHUB_TOKEN)',
    usage: 'rolecall github-comment --repo OWNER/REPO --pr N --body-file plan.md [--api-url URL] [--marker TEXT]',
    load: () => import('./commands/github-comment.js'),
  },
  drift: {
    summary: 'report access that changed without review since the last apply (exit 2 when high risk)',
    usage: 'rolecall drift [--dir access] [--db FILE] [--since REVISION] [--format text|json] [--limit N]',
    load: () => import('./commands/drift.js'),
  },
  explain: {
    summary: 'why a user has access: every holding with its chain, or the answer for one action',
    usage: 'rolecall explain --user U [--action A --resource R [--env E] [--tag T]... | --permission P] [--auth-method M] [--dir access | --db FILE] [--format text|json]',
    load: () => import('./commands/explain.js'),
  },
  'who-can': {
    summary: 'every user who may do ACTION on RESOURCE (or holds PERMISSION), with the chains',
    usage: 'rolecall who-can (ACTION RESOURCE | PERMISSION) [--env E] [--tag T]... [--auth-method M] [--dir access | --db FILE] [--format text|json]',
    load: () => import('./commands/who-can.js'),
  },
  test: {
    summary: 'run the AccessTest assertions against the access files on live memberships',
    usage: 'rolecall test [--dir access] [--db FILE] [--format text|json]',
    load: () => import('./commands/test.js'),
  },
  import: {
    summary: 'write access files from an existing store, to bootstrap a repository',
    usage: 'rolecall import --out DIR [--db FILE] [--force]',
    load: () => import('./commands/import.js'),
  },
  'break-glass': {
    summary: 'emergency grants outside git (at most 72 hours, always reported as drift)',
    usage: 'rolecall break-glass (create --user U --action A --resource R [--env E] --reason TEXT --expires T | list | revoke ID) [--db FILE]',
    load: () => import('./commands/break-glass.js'),
  },
  demo: {
    summary: 'see the whole loop on a temporary store: SCIM provisioning, apply, a reviewed change, drift',
    usage: 'rolecall demo [--dir access]',
    load: () => import('./commands/demo.js'),
  },
  'admin-token': {
    summary: 'tokens for the admin and check API (scopes plan, apply, check), shown once',
    usage: 'rolecall admin-token (create --scope SCOPE [--scope SCOPE]... [--name NAME] | list | revoke ID) [--db FILE]',
    load: () => import('./commands/admin-token.js'),
  },
  serve: {
    summary: 'run the SCIM 2.0 endpoint, the admin and check API, /healthz and /metrics',
    usage: 'rolecall serve [--db FILE] [--port N] [--host H] [--bootstrap [--dir access]]   (env ROLECALL_DB, ROLECALL_PORT, ROLECALL_HOST)',
    load: () => import('./commands/serve.js'),
  },
  token: {
    summary: 'create, list, rotate or revoke SCIM bearer tokens',
    usage: 'rolecall token create --connection NAME [--db FILE] | token list [--format text|json] [--db FILE] | token rotate ID | token revoke ID [--db FILE]',
    load: () => import('./commands/token.js'),
  },
  audit: {
    summary: 'verify the audit hash chain or export it as JSON lines',
    usage: 'rolecall audit verify [--db FILE] | audit export [--out FILE] [--db FILE]',
    load: () => import('./commands/audit.js'),
  },
  backup: {
    summary: 'copy the store consistently while the server runs',
    usage: 'rolecall backup --out FILE [--db FILE]',
    load: () => import('./commands/backup.js'),
  },
}

export const version = '0.1.0'

function helpText(): string {
  const names = Object.keys(commands)
  const width = Math.max(...names.map((name) => name.length))
  const lines = names.map((name) => `  ${name.padEnd(width)}  ${commands[name]?.summary ?? ''}`)
  return [
    'rolecall: access as code. Map IdP groups to roles and grants, review them in pull requests,',
    'and reconcile them against the store your identity provider fills over SCIM.',
    '',
    'Usage: rolecall <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `rolecall <command> --help` for the options of one command.',
    '',
  ].join('\n')
}

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

/** SQLite errors that escape the store (those at open name the file: see store/sqlite/open.ts). */
function describeSqliteError(error: Error & { code: string }): string {
  const code = error.code.split('_').slice(0, 2).join('_')
  const hint =
    code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED'
      ? '; another process is writing to the store: try again'
      : code === 'SQLITE_FULL'
        ? '; free some disk space'
        : code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB'
          ? '; restore the store from a backup'
          : code === 'SQLITE_READONLY'
            ? '; rolecall needs to write to the store and the -wal and -shm files beside it'
            : ''
  return `the store failed: ${error.message} (${error.code})${hint}`
}

function isSqliteError(error: unknown): error is Error & { code: string } {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' && code.startsWith('SQLITE_')
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
  if (isSqliteError(error)) return `rolecall: ${describeSqliteError(error)}\n${debug}`
  const message = error instanceof Error ? error.message : String(error)
  const hint = debug === '' ? `This is a bug in rolecall. Run again with ${debugVariable}=1 to see the stack trace, and report it with that output.\n` : debug
  return `rolecall: internal error: ${message}\n${hint}`
}

/** Run the CLI with `argv` (without node and script). Never throws: every failure is printed, and exits 1. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText())
    return name === undefined ? 1 : 0
  }
  if (name === '--version' || name === '-v') {
    io.out(`${version}\n`)
    return 0
  }
  const entry = commands[name]
  if (entry === undefined) {
    io.err(`rolecall: unknown command "${name}". Run \`rolecall --help\` for the list.\n`)
    return 1
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`Usage: ${entry.usage}\n\n${entry.summary}\n`)
    return 0
  }
  try {
    const command = await entry.load()
    return await command.run(rest, io)
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`rolecall: ${error.message}\nUsage: ${entry.usage}\n`)
      return 1
    }
    io.err(describeFailure(error, io.env))
    return 1
  }
}
