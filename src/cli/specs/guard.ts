// The IdP change guard's command: hold list and hold reject.
import { defineCommand } from '../spec.js'
import { actorOption, dbOption, formatOption } from './shared.js'

export const holdSpec = {
  name: 'hold',
  summary: 'held IdP changes: access a SCIM write would give that waits for a reviewed apply',
  description:
    'A SCIM write that would give someone access the policy guards (idpChanges) is stored as the IdP sent it, but the access waits: the check API denies it, naming the hold. The next plan shows it, and the reviewed apply of that plan releases it. Removals at the IdP are never held; one that removes what a hold holds makes the hold moot.',
  options: { db: dbOption },
  subcommands: {
    list: {
      summary: 'holds, open ones first: who, what, which IdP change, since when, and whether overdue',
      options: {
        all: { type: 'boolean', description: 'also released and moot holds (default: open and rejected)' },
        format: formatOption(['text', 'json']),
      },
      exitCodes: { 0: 'listed (an overdue hold says so, it is no error)', 1: 'errors' },
      examples: [
        ['rolecall hold list', 'open and rejected holds on ./data/rolecall.db'],
        ['rolecall hold list --all --format json --db postgres://rolecall@db/rolecall', 'every hold, as JSON, on a PostgreSQL store'],
      ],
    },
    reject: {
      summary: 'reject an open hold: its access stays denied, and the IdP change should be undone at the IdP',
      arguments: [{ name: 'id', description: 'the hold, as list prints it (h12)' }],
      options: { reason: { type: 'string', value: 'TEXT', description: 'why, kept in the audit log' }, actor: actorOption },
      exitCodes: { 0: 'rejected', 1: 'no such open hold, or errors' },
      examples: [
        ['rolecall hold reject h12 --reason "not requested: INC-77" --actor alice.sec@acme.example', 'reject hold h12'],
        ['ROLECALL_ACTOR=alice.sec@acme.example rolecall hold reject h12', 'with who you are set once in the environment'],
      ],
    },
  },
} as const

export const guardCommands = [defineCommand(holdSpec, () => import('../commands/hold.js'))]
