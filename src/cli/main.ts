// argv → command → exit code. Commands are loaded lazily so that `--help` starts fast.
import { UsageError } from '../errors.js'
import { describeFailure } from './failure.js'
import { processIo, type Io } from './io.js'

export { describeFailure }

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
    usage: 'rolecall plan [--dir access] [--db FILE | --server URL] [--format text|markdown|json] [--out plan.json] [--detailed-exitcode]',
    load: () => import('./commands/plan.js'),
  },
  apply: {
    summary: 'apply a reviewed plan (or access/) to the store in one audited transaction',
    usage: 'rolecall apply [plan.json | --dir access] [--db FILE | --server URL] [--approved-by NAME]... [--revision SHA] [--author NAME]',
    load: () => import('./commands/apply.js'),
  },
  approvals: {
    summary: "do the pull request's reviews satisfy the approvals the plan requires? (exit 0 yes, 1 no)",
    usage: 'rolecall approvals --plan plan.json --reviews reviews.json --event event.json [--teams teams.json] [--identities identities.json] [--format text|json]',
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
  review: {
    summary: 'access reviews as pull requests: open a campaign, check decisions, close into access-file changes, evidence',
    usage: 'rolecall review (open NAME | status | due | check ID [--identities FILE] [--repo R --pr N] | close ID | evidence ID --out DIR | verify DIR) [--dir access] [--db FILE] [--reviews reviews] [--format text|json]',
    load: () => import('./commands/review.js'),
  },
  drift: {
    summary: 'report access that changed without review since the last apply (exit 2 when high risk)',
    usage: 'rolecall drift [--dir access] [--db FILE | --server URL] [--since REVISION] [--format text|json] [--limit N]',
    load: () => import('./commands/drift.js'),
  },
  explain: {
    summary: 'why a user has access: every holding with its chain, or the answer for one action',
    usage: 'rolecall explain --user U [--action A --resource R [--env E] [--tag T]... | --permission P] [--auth-method M] [--dir access | --db FILE | --server URL] [--format text|json]',
    load: () => import('./commands/explain.js'),
  },
  'who-can': {
    summary: 'every user who may do ACTION on RESOURCE (or holds PERMISSION), with the chains',
    usage: 'rolecall who-can (ACTION RESOURCE | PERMISSION) [--env E] [--tag T]... [--auth-method M] [--dir access | --db FILE | --server URL] [--format text|json]',
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
    usage:
      'rolecall serve [--db FILE] [--port N] [--host H] [--bootstrap [--dir access]] [--reviews DIR] [--headers-timeout S] [--request-timeout S] [--keep-alive-timeout S] [--max-connections N] [--db-pool-size N] [--db-connect-timeout S] [--db-pool-wait S] [--db-lock-timeout S] [--db-statement-timeout S]   (env ROLECALL_DB, ROLECALL_PORT, ROLECALL_HOST, ROLECALL_HEADERS_TIMEOUT, ROLECALL_REQUEST_TIMEOUT, ROLECALL_KEEP_ALIVE_TIMEOUT, ROLECALL_MAX_CONNECTIONS, ROLECALL_DB_POOL_SIZE, ROLECALL_DB_CONNECT_TIMEOUT, ROLECALL_DB_POOL_WAIT, ROLECALL_DB_LOCK_TIMEOUT, ROLECALL_DB_STATEMENT_TIMEOUT; PostgreSQL defaults: 10 connections, 5 s connect, 5 s pool wait, 5 s lock wait, 30 s statements)',
    load: () => import('./commands/serve.js'),
  },
  token: {
    summary: 'create, list, rotate or revoke SCIM bearer tokens',
    usage: 'rolecall token create --connection NAME [--force] [--db FILE] | token list [--format text|json] [--db FILE] | token rotate ID | token revoke ID [--db FILE]',
    load: () => import('./commands/token.js'),
  },
  audit: {
    summary: 'verify the audit hash chain or export it as JSON lines',
    usage: 'rolecall audit verify [--head HASH] [--db FILE] | audit export [--out FILE] [--db FILE]',
    load: () => import('./commands/audit.js'),
  },
  store: {
    summary: 'copy a whole store into a new, empty one (SQLite to PostgreSQL, say), audit chain and hashed tokens kept',
    usage:
      "rolecall store copy --to (FILE | postgres://…) [--from FILE | --from postgres://…] [--quiet]   (--from defaults to --db as other commands take it: ROLECALL_DB, else ./data/rolecall.db; the target must be empty; one transaction; progress on a terminal's stderr unless --quiet)",
    load: () => import('./commands/store.js'),
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
