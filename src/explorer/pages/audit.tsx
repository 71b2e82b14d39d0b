// The audit log: every write, newest first, filtered and paged, with the chain's state and a JSON-lines download.
import type { FC } from 'hono/jsx'
import type { AuditEntry, AuditVerification } from '../../store/store.js'
import type { AuditFilter } from '../audit-filter.js'
import { Pager, Table, Time, queryOf } from '../components.js'
import { Layout, type PageContext } from '../layout.js'

export const auditPageSize = 100

const Field: FC<{ name: keyof AuditFilter; label: string; value: string; placeholder?: string }> = ({ name, label, value, placeholder }) => (
  <label>
    {label}
    <input type="text" name={name} value={value} placeholder={placeholder} />
  </label>
)

export const AuditPage: FC<{ context: PageContext; filter: AuditFilter; page: number; total: number; entries: readonly AuditEntry[]; verdict: AuditVerification }> = ({ context, filter, page, total, entries, verdict }) => (
  <Layout title="Audit log" context={context} current="/audit">
    {verdict.ok ? (
      <p>
        The chain verifies: {String(verdict.entries)} entries, head <code>{verdict.head.hash.slice(0, 16)}</code>.
      </p>
    ) : (
      <p class="notice error" role="alert">
        The chain does not verify: {verdict.reason}
      </p>
    )}
    <form method="get" action="/audit" class="search">
      <Field name="actor" label="Actor" value={filter.actor} placeholder="scim:okta" />
      <Field name="action" label="Action" value={filter.action} placeholder="user.create" />
      <Field name="connection" label="Connection" value={filter.connection} placeholder="okta" />
      <Field name="resource" label="Resource" value={filter.resource} placeholder="type or id" />
      <Field name="from" label="From (UTC)" value={filter.from} placeholder="2026-01-01" />
      <Field name="to" label="To (UTC)" value={filter.to} placeholder="2026-12-31" />
      <button type="submit">Filter</button>
    </form>
    <p>
      <a href={`/audit.jsonl${queryOf(filter)}`} download="rolecall-audit.jsonl">
        Download these {String(total)} entries as JSON lines
      </a>
    </p>
    <Table headers={['#', 'Time', 'Actor', 'Action', 'Connection', 'Resource']}>
      {entries.map((entry) => (
        <tr>
          <td>{String(entry.seq)}</td>
          <td>
            <Time at={entry.at} />
          </td>
          <td>{entry.actor}</td>
          <td>{entry.action}</td>
          <td>{entry.connection ?? '—'}</td>
          <td>{entry.resourceType === null ? '—' : `${entry.resourceType} ${entry.resourceId ?? ''}`}</td>
        </tr>
      ))}
    </Table>
    <Pager page={page} pageSize={auditPageSize} total={total} hrefOf={(number) => `/audit${queryOf({ ...filter, page: number })}`} />
  </Layout>
)
