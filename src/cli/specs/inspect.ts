// The commands that read access without changing it: drift, explain, who-can, test, import, demo.
import { defineCommand } from '../spec.js'
import { dbOption, dirOption, formatOption, serverOption, insecureOption, quietOption } from './shared.js'

export const driftSpec = {
  name: 'drift',
  summary: 'report access that changed without review since the last apply (exit 2 when high risk)',
  options: {
    dir: { ...dirOption, description: 'the access directory, to report what differs from it too (used when it exists)' },
    db: dbOption,
    server: serverOption,
    insecure: insecureOption,
    since: { type: 'string', value: 'REVISION', description: 'compare with this applied revision instead of the last' },
    format: formatOption(['text', 'json']),
    limit: { type: 'string', value: 'N', description: 'list at most N access changes (0 for all)', defaultText: '10000' },
    quiet: quietOption,
  },
  exitCodes: { 0: 'no drift that needs attention', 1: 'errors', 2: 'drift that needs attention (high risk or above, or break-glass)' },
  examples: [
    ['rolecall drift', 'what SCIM or break-glass changed since the last apply'],
    ['rolecall drift --server https://rolecall.internal --format json --limit 0', 'everything, for a scheduled job'],
  ],
} as const

const questionOptions = {
  dir: { ...dirOption, description: 'answer from the access files (on live memberships) instead of the last apply' },
  db: dbOption,
  server: serverOption,
  insecure: insecureOption,
  files: { type: 'boolean', description: 'answer from the access files in the default directory' },
  env: { type: 'string', value: 'ENV', description: 'the environment of the resource (e.g. production)' },
  tag: { type: 'string', value: 'TAG', multiple: true, description: 'a tag the resource carries (repeat for each)' },
  'auth-method': { type: 'string', value: 'METHOD', description: 'how the user signed in (e.g. sso); without it, restricted access answers with the method it needs' },
  format: formatOption(['text', 'json']),
  connection: { type: 'string', value: 'NAME', description: "the user's connection, when the name alone is ambiguous" },
} as const

export const explainSpec = {
  name: 'explain',
  summary: 'why a user has access: every holding with its chain, or the answer for one action',
  options: {
    user: { type: 'string', value: 'USER', description: 'the user (userName); required' },
    action: { type: 'string', value: 'ACTION', description: 'ask about this action (with --resource)' },
    resource: { type: 'string', value: 'RESOURCE', description: 'on this resource, type:service/name (with --action)' },
    permission: { type: 'string', value: 'PERMISSION', description: 'ask about an organization permission' },
    ...questionOptions,
  },
  exitCodes: { 0: 'the answer is ALLOWED, or the holdings were listed', 1: 'errors (unknown user, action, resource, store)', 3: 'the answer is DENIED' },
  examples: [
    ['rolecall explain --user alice@acme.example', 'everything alice holds, and through what'],
    ['rolecall explain --user alice@acme.example --action run --resource journey:checkout/login --env production', 'may alice run it? (exit 3 when not)'],
  ],
} as const

export const whoCanSpec = {
  name: 'who-can',
  summary: 'every user who may do ACTION on RESOURCE (or holds PERMISSION), with the chains',
  arguments: [
    { name: 'action-or-permission', description: 'an action (then RESOURCE) or an organization permission' },
    { name: 'resource', description: 'the resource, type:service/name' },
  ],
  options: questionOptions,
  examples: [
    ['rolecall who-can sso:manage', 'who holds a permission'],
    ['rolecall who-can run journey:checkout/diagnostic-login --env production', 'who may run a journey in production'],
  ],
} as const

export const testSpec = {
  name: 'test',
  summary: 'run the AccessTest assertions against the access files on live memberships',
  options: { dir: dirOption, db: { ...dbOption, description: 'the store whose memberships the assertions run on (none yet: files only)' }, format: formatOption(['text', 'json']) },
  exitCodes: { 0: 'every assertion holds', 1: 'an assertion fails, or errors' },
  examples: [
    ['rolecall test', 'run the assertions'],
    ['rolecall test --format json', 'the results as JSON'],
  ],
} as const

export const importSpec = {
  name: 'import',
  summary: 'write access files from an existing store, to bootstrap a repository',
  options: {
    out: { type: 'string', value: 'DIR', description: 'where to write the files (empty, unless --force); required' },
    db: dbOption,
    force: { type: 'boolean', description: 'write into a directory that is not empty' },
    quiet: quietOption,
  },
  examples: [
    ['rolecall import --out access', 'access files from the last apply, or a skeleton from the SCIM directory'],
    ['rolecall import --out /tmp/access --db postgres://rolecall@db/rolecall', 'from a PostgreSQL store'],
  ],
} as const

export const demoSpec = {
  name: 'demo',
  summary: 'see the whole loop on a temporary store: SCIM provisioning, apply, a reviewed change, drift',
  options: { dir: dirOption },
  examples: [
    ['rolecall demo', 'the loop on ./access'],
    ['rolecall demo --dir examples/access', 'on other access files'],
  ],
} as const

export const inspectCommands = [
  defineCommand(driftSpec, () => import('../commands/drift.js')),
  defineCommand(explainSpec, () => import('../commands/explain.js')),
  defineCommand(whoCanSpec, () => import('../commands/who-can.js')),
  defineCommand(testSpec, () => import('../commands/test.js')),
  defineCommand(importSpec, () => import('../commands/import.js')),
  defineCommand(demoSpec, () => import('../commands/demo.js')),
]
