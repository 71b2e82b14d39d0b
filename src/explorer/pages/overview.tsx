// The overview: how many people, groups and services, access by risk, the last applies, open drift, grants
// expiring soon, and whether the audit chain verifies.
import type { FC } from 'hono/jsx'
import type { Risk } from '../../model/risk.js'
import type { AppliedRevision } from '../../store/applied.js'
import type { AuditVerification } from '../../store/store.js'
import { RiskBadge, RiskChart, Table, Time, personHref } from '../components.js'
import { Layout, type PageContext } from '../layout.js'
import type { DriftState } from '../live-model.js'

export type Expiring = { user: string; connection: string | undefined; what: string; risk: Risk; expires: string }

export type OverviewData = {
  storeRevision: number
  people: number
  deactivated: number
  idpGroups: number
  groups: number
  services: number
  holdingsByRisk: Record<Risk, number> | undefined
  applies: readonly AppliedRevision[]
  /** The drift last computed (by the Changes page), and the store revision it is of; undefined when not yet. */
  drift: DriftState | undefined
  driftRevision: number | undefined
  expiring: readonly Expiring[]
  audit: AuditVerification
}

export const OverviewPage: FC<{ context: PageContext; data: OverviewData }> = ({ context, data }) => (
  <Layout title="Overview" context={context} current="/">
    <p class="muted">As of store revision {String(data.storeRevision)}.</p>
    <section class="cards" aria-label="Figures">
      <div class="card">
        <div class="figure">{String(data.people)}</div>
        <a href="/people">people</a> ({String(data.deactivated)} deactivated)
      </div>
      <div class="card">
        <div class="figure">{String(data.idpGroups)}</div>
        IdP groups
      </div>
      <div class="card">
        <div class="figure">{String(data.groups)}</div>
        <a href="/groups">groups</a>
      </div>
      <div class="card">
        <div class="figure">{String(data.services)}</div>
        <a href="/services">services</a>
      </div>
    </section>

    <h2>Access by risk</h2>
    {data.holdingsByRisk === undefined ? <p>Nothing has been applied yet.</p> : <RiskChart counts={data.holdingsByRisk} label="Access held, by risk" />}

    <h2>Audit chain</h2>
    {data.audit.ok ? (
      <p>
        Verified: {String(data.audit.entries)} entries, head <code>{data.audit.head.hash.slice(0, 16)}</code> at entry {String(data.audit.head.seq)}.
      </p>
    ) : (
      <p class="notice error" role="alert">
        The audit chain does not verify: {data.audit.reason}
        {data.audit.brokenAt === undefined ? '' : ` (entry ${data.audit.brokenAt})`}.
      </p>
    )}

    <h2>Last applies</h2>
    {data.applies.length === 0 ? (
      <p>No apply yet.</p>
    ) : (
      <ul>
        {data.applies.map((revision) => (
          <li>
            <a href={`/changes/${revision.id}`}>{revision.id}</a> at <Time at={revision.appliedAt} />
            {revision.author === null ? '' : ` by ${revision.author}`}
            {revision.commit === null ? '' : `, commit ${revision.commit.slice(0, 12)}`}
          </li>
        ))}
      </ul>
    )}

    <h2>Open drift</h2>
    {data.driftRevision === undefined ? (
      <p>
        <a href="/changes#drift">See the drift since the last apply</a>.
      </p>
    ) : data.drift === undefined ? (
      <p>Nothing has been applied yet.</p>
    ) : 'problem' in data.drift ? (
      <p>{data.drift.problem}</p>
    ) : (
      <p>
        {String(data.drift.report.scimTotal ?? data.drift.report.scim.length)} access changes by SCIM since {data.drift.report.appliedRevision ?? 'the last apply'}, {String(data.drift.report.breakGlass.length)} break-glass grants,{' '}
        {String(data.drift.report.idpGroups.length)} mapped IdP groups renamed or gone (as of store revision {String(data.driftRevision)}). <a href="/changes#drift">See the drift</a>.
      </p>
    )}

    <h2>Expiring in the next 14 days</h2>
    {data.expiring.length === 0 ? (
      <p>No grant expires in the next 14 days.</p>
    ) : (
      <Table headers={['Person', 'Access', 'Risk', 'Expires']}>
        {data.expiring.map((entry) => (
          <tr>
            <td>
              <a href={personHref(entry.user, entry.connection)}>{entry.user}</a>
            </td>
            <td>{entry.what}</td>
            <td>
              <RiskBadge risk={entry.risk} />
            </td>
            <td>
              <Time at={entry.expires} />
            </td>
          </tr>
        ))}
      </Table>
    )}
  </Layout>
)
