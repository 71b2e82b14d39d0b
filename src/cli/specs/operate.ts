// The commands that run and look after a rolecall server: serve, token, admin-token, break-glass, audit, backup.
import { defaultHost, defaultPort } from '../../server/config.js'
import { approvalFlags } from '../../server/approvals-config.js'
import { dbFlags } from '../../server/db-settings.js'
import { limitFlags } from '../../server/limits.js'
import { adminScopes } from '../../store/store.js'
import { defineCommand } from '../spec.js'
import { actorOption, dbOption, dirOption, formatOption } from './shared.js'

const idArgument = [{ name: 'id', description: 'the id, as list prints it' }] as const

export const serveSpec = {
  name: 'serve',
  summary: 'run the SCIM 2.0 endpoint, the admin and check API, the web explorer at /, /healthz and /metrics',
  description: 'Binds 127.0.0.1 unless told otherwise; logs JSON lines to stdout. SIGTERM finishes in-flight requests and stops.',
  options: {
    db: { ...dbOption, description: 'the store: a SQLite file (created on first start) or a postgres:// URL' },
    port: { type: 'string', value: 'N', description: 'the TCP port (0: any free port)', env: 'ROLECALL_PORT', defaultText: String(defaultPort) },
    host: { type: 'string', value: 'HOST', description: 'the address to bind', env: 'ROLECALL_HOST', defaultText: defaultHost },
    bootstrap: { type: 'boolean', description: "first start: validate --dir, create its Organization's connections and a SCIM token for each without one, shown once on a terminal's stderr (or in --token-file), never in the log" },
    'token-file': { type: 'string', value: 'FILE', description: 'with --bootstrap: write the new SCIM tokens to FILE, created new with mode 0600, instead of the terminal' },
    dir: dirOption,
    reviews: { type: 'string', value: 'DIR', description: 'the access reviews directory, for the review gauges on /metrics (none when unset)', env: 'ROLECALL_REVIEWS_DIR' },
    'log-level': { type: 'string', value: 'LEVEL', description: 'the lowest level logged', choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], env: 'ROLECALL_LOG_LEVEL', defaultText: 'info' },
    'metrics-auth': { type: 'string', value: 'MODE', description: '/metrics open to all (none) or behind an admin token with the metrics scope (token)', choices: ['none', 'token'], env: 'ROLECALL_METRICS_AUTH', defaultText: 'none' },
    'trust-proxy': { type: 'boolean', description: 'a proxy (the SSO one) fronts the server: allow --ui-user-header on an address that is not loopback', env: 'ROLECALL_TRUST_PROXY' },
    'ui-user-header': { type: 'string', value: 'NAME', description: 'sign in to the web explorer as the user the SSO proxy names in this header (loopback only unless --trust-proxy)', env: 'ROLECALL_UI_USER_HEADER' },
    ...limitFlags,
    ...dbFlags,
    ...approvalFlags,
  },
  exitCodes: { 0: 'stopped by SIGTERM or SIGINT', 1: 'could not start (bad option, store, address in use)' },
  examples: [
    ['rolecall serve --bootstrap', 'first start on ./access, as `npm start` does'],
    ['ROLECALL_DB=postgres://rolecall@db/rolecall rolecall serve --host 0.0.0.0 --port 8080', 'one replica of several, behind a TLS proxy'],
  ],
} as const

export const tokenSpec = {
  name: 'token',
  summary: 'create, list, rotate or revoke SCIM bearer tokens',
  options: { db: dbOption },
  subcommands: {
    create: {
      summary: 'a SCIM token for one connection, shown once',
      options: {
        connection: { type: 'string', value: 'NAME', description: "the IdP connection, as the Organization's connections name it; required" },
        force: { type: 'boolean', description: 'create it even though the applied Organization does not declare the connection' },
        actor: actorOption,
      },
      examples: [
        ['rolecall token create --connection okta', 'a token to paste into Okta'],
        ['rolecall token create --connection entra --db postgres://rolecall@db/rolecall', 'on a PostgreSQL store'],
      ],
    },
    list: {
      summary: 'ids, connections and hints, never the tokens',
      options: { format: formatOption(['text', 'json']) },
      examples: [
        ['rolecall token list', 'every token'],
        ['rolecall token list --format json', 'as JSON'],
      ],
    },
    rotate: {
      summary: 'a new token for the same connection; the old one stops working at once',
      arguments: idArgument,
      options: { actor: actorOption },
      examples: [
        ['rolecall token rotate rcs_2', 'rotate token rcs_2'],
        ['rolecall token list && rolecall token rotate ID', 'find the id first'],
      ],
    },
    revoke: {
      summary: 'the token stops working at once',
      arguments: idArgument,
      options: { actor: actorOption },
      examples: [
        ['rolecall token revoke rcs_2', 'revoke token rcs_2'],
        ['rolecall token revoke rcs_2 --db ./data/rolecall.db', 'on a given store'],
      ],
    },
  },
} as const

export const adminTokenSpec = {
  name: 'admin-token',
  summary: 'tokens for the admin and check API and the web explorer (scopes plan, apply, check, view, tokens, metrics), shown once',
  options: { db: dbOption },
  subcommands: {
    create: {
      summary: 'a scoped admin token, shown once',
      options: {
        scope: { type: 'string', value: 'SCOPE', multiple: true, description: `what the token may do: ${adminScopes.join(', ')} (repeat, or separate with commas); required` },
        name: { type: 'string', value: 'NAME', description: 'a name to tell it by in list' },
        actor: actorOption,
      },
      examples: [
        ['rolecall admin-token create --scope plan --name ci-plan', "for CI's plan step"],
        ['rolecall admin-token create --scope check --name storefront', 'for the application that asks the check API'],
      ],
    },
    list: {
      summary: 'ids, hints and scopes, never the tokens',
      options: { format: formatOption(['text', 'json']) },
      examples: [
        ['rolecall admin-token list', 'every admin token'],
        ['rolecall admin-token list --format json', 'as JSON'],
      ],
    },
    revoke: {
      summary: 'the token stops working at once',
      arguments: idArgument,
      options: { actor: actorOption },
      examples: [
        ['rolecall admin-token revoke rca_1', 'revoke admin token rca_1'],
        ['rolecall admin-token list && rolecall admin-token revoke ID', 'find the id first'],
      ],
    },
  },
} as const

export const breakGlassSpec = {
  name: 'break-glass',
  summary: 'emergency grants outside git (at most 72 hours, always reported as drift)',
  options: { db: dbOption },
  subcommands: {
    create: {
      summary: 'grant a user an action on a resource until --expires',
      options: {
        user: { type: 'string', value: 'USER', description: 'who gets it; required' },
        action: { type: 'string', value: 'ACTION', multiple: true, description: 'what they may do (repeat for each); required' },
        resource: { type: 'string', value: 'RESOURCE', description: 'on what, type:service/name; required' },
        env: { type: 'string', value: 'ENV', multiple: true, description: 'only in this environment (repeat for each)' },
        reason: { type: 'string', value: 'TEXT', description: 'why: the incident or ticket; required' },
        expires: { type: 'string', value: 'TIME', description: 'when it ends, a date or RFC 3339 time at most 72 hours away; required' },
        actor: actorOption,
        by: { type: 'string', value: 'NAME', description: 'the same as --actor (older spelling)' },
      },
      examples: [
        ['rolecall break-glass create --user sam@acme.example --action read --resource secret:checkout/key --reason INC-42 --expires 2026-12-08T18:00:00Z', 'read one secret during an incident'],
        ['rolecall break-glass create --user sam@acme.example --action run --action edit --resource journey:checkout/* --env production --reason INC-43 --expires "$(date -u -d +4hours +%FT%TZ)"', 'several actions, for four hours'],
      ],
    },
    list: {
      summary: 'every break-glass grant, active, expired or revoked',
      examples: [
        ['rolecall break-glass list', 'on ./data/rolecall.db'],
        ['rolecall break-glass list --db postgres://rolecall@db/rolecall', 'on a PostgreSQL store'],
      ],
    },
    revoke: {
      summary: 'end a break-glass grant now',
      arguments: idArgument,
      options: { actor: actorOption, by: { type: 'string', value: 'NAME', description: 'the same as --actor (older spelling)' } },
      examples: [
        ['rolecall break-glass revoke bg_1', 'end grant bg_1'],
        ['ROLECALL_ACTOR=dana@acme.example rolecall break-glass revoke bg_1', 'with who you are set once in the environment'],
      ],
    },
  },
} as const

export const auditSpec = {
  name: 'audit',
  summary: 'verify the audit hash chain or export it as JSON lines',
  options: { db: dbOption },
  subcommands: {
    verify: {
      summary: 'check the hash chain, and that nothing was cut off its end',
      options: { head: { type: 'string', value: 'HASH', description: 'a head hash recorded earlier (outside the store), which must still be in the chain' } },
      exitCodes: { 0: 'the chain is intact', 1: 'the chain is broken, or errors' },
      examples: [
        ['rolecall audit verify', 'check the chain'],
        ['rolecall audit verify --head "$(cat audit-head.txt)"', 'and that a head kept elsewhere is still in it'],
      ],
    },
    export: {
      summary: 'every entry as one JSON line, for a SIEM',
      options: {
        out: { type: 'string', value: 'FILE', description: 'write to FILE instead of stdout' },
        since: { type: 'string', value: 'SEQ|TIME', description: 'only the entries after entry SEQ, or at or after TIME (a date or RFC 3339 time)' },
        follow: { type: 'boolean', description: 'keep running and write each new entry as it commits, until SIGINT or SIGTERM' },
      },
      examples: [
        ['rolecall audit export > audit.jsonl', 'the whole log'],
        ['rolecall audit export --since "$(tail -n 1 audit.jsonl | jq .seq)" --follow >> audit.jsonl', 'resume where a SIEM shipper stopped, then stream'],
        ['rolecall audit export --since 2026-12-01 --out december.jsonl', 'the entries since a date, to a file'],
      ],
    },
  },
} as const

export const storeSpec = {
  name: 'store',
  summary: 'copy a whole store into a new, empty one (SQLite to PostgreSQL, say), audit chain and hashed tokens kept',
  subcommands: {
    copy: {
      summary: 'copy every table in one transaction into an empty target; its audit chain verifies as the source does',
      options: {
        to: { type: 'string', value: 'FILE|URL', description: 'the target: a new SQLite file or an empty postgres:// database; required' },
        from: { ...dbOption, description: 'the store to copy, a SQLite file or a postgres:// URL' },
        quiet: { type: 'boolean', description: "no progress line on a terminal's stderr" },
      },
      examples: [
        ['rolecall store copy --from ./data/rolecall.db --to postgres://rolecall@db/rolecall', 'move to PostgreSQL for several replicas'],
        ['rolecall store copy --from postgres://rolecall@db/rolecall --to backup.db', 'a consistent SQLite copy of a PostgreSQL store'],
      ],
    },
  },
} as const

export const backupSpec = {
  name: 'backup',
  summary: 'copy the store consistently while the server runs',
  options: { out: { type: 'string', value: 'FILE', description: 'the copy to write; required' }, db: dbOption },
  examples: [
    ['rolecall backup --out backups/rolecall-$(date +%F).db', 'a dated copy of ./data/rolecall.db'],
    ['rolecall backup --db /srv/rolecall/rolecall.db --out /mnt/backup/rolecall.db', 'of a given store'],
  ],
} as const

export const operateCommands = [
  defineCommand(serveSpec, () => import('../commands/serve.js')),
  defineCommand(tokenSpec, () => import('../commands/token.js')),
  defineCommand(auditSpec, () => import('../commands/audit.js')),
  defineCommand(storeSpec, () => import('../commands/store.js')),
  defineCommand(backupSpec, () => import('../commands/backup.js')),
  defineCommand(breakGlassSpec, () => import('../commands/break-glass.js')),
  defineCommand(adminTokenSpec, () => import('../commands/admin-token.js')),
]
