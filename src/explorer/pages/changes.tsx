// Changes: every applied revision (commit, author, approvers, time) and, for one, what it changed person by person;
// and the drift since the last apply, access that SCIM granted without review first.
import type { FC } from 'hono/jsx'
import type { AccessChange, ObjectChange } from '../../schema/generated/plan.js'
import type { AppliedRevision } from '../../store/applied.js'
import { RiskBadge, Table, Time, personHref } from '../components.js'
import { Layout, type PageContext } from '../layout.js'
import type { DriftState } from '../live-model.js'

const Approvers: FC<{ revision: AppliedRevision }> = ({ revision }) => <>{revision.approvedBy.length === 0 ? 'none' : revision.approvedBy.join(', ')}</>

export const ChangesPage: FC<{ context: PageContext; revisions: readonly AppliedRevision[]; drift: DriftState | undefined }> = ({ context, revisions, drift }) => (
  <Layout title="Changes" context={context} current="/changes">
    <h2 id="drift">Drift since the last apply</h2>
    {drift === undefined ? (
      <p>Nothing has been applied yet.</p>
    ) : 'problem' in drift ? (
      <p>{drift.problem}</p>
    ) : drift.report.scim.length + drift.report.breakGlass.length + drift.report.idpGroups.length === 0 ? (
      <p>No drift: the directory gives the access the last apply reviewed.</p>
    ) : (
      <>
        {drift.report.scim.filter((change) => change.change === 'gain').length === 0 ? null : <h3>Access SCIM granted without review</h3>}
        <ul>
          {drift.report.scim
            .filter((change) => change.change === 'gain')
            .map((change) => (
              <li>
                <RiskBadge risk={change.risk} /> <a href={personHref(change.user)}>{change.user}</a> gained {change.what} via {change.chains.join('; ')}
              </li>
            ))}
        </ul>
        {drift.report.scim.filter((change) => change.change === 'loss').length === 0 ? null : <h3>Access SCIM removed</h3>}
        <ul>
          {drift.report.scim
            .filter((change) => change.change === 'loss')
            .map((change) => (
              <li>
                <RiskBadge risk={change.risk} /> <a href={personHref(change.user)}>{change.user}</a> lost {change.what}
              </li>
            ))}
        </ul>
        {drift.report.breakGlass.length === 0 ? null : <h3>Break-glass grants</h3>}
        <ul>
          {drift.report.breakGlass.map((grant) => (
            <li>
              <RiskBadge risk={grant.risk} /> {grant.user}: {grant.what} ({grant.reason}) until <Time at={grant.expires} />
            </li>
          ))}
        </ul>
        {drift.report.idpGroups.length === 0 ? null : <h3>Mapped IdP groups renamed or gone</h3>}
        <ul>
          {drift.report.idpGroups.map((group) => (
            <li>
              {group.group}: {group.connection} group “{group.was}” {group.now === null ? 'is gone' : `is now “${group.now}”`}
            </li>
          ))}
        </ul>
      </>
    )}

    <h2>Applied revisions</h2>
    {revisions.length === 0 ? (
      <p>No apply yet.</p>
    ) : (
      <Table headers={['Revision', 'Applied', 'Commit', 'Author', 'Approvers']}>
        {revisions.map((revision) => (
          <tr>
            <td>
              <a href={`/changes/${revision.id}`}>{revision.id}</a>
            </td>
            <td>
              <Time at={revision.appliedAt} />
            </td>
            <td>{revision.commit === null ? '—' : <code>{revision.commit}</code>}</td>
            <td>{revision.author ?? '—'}</td>
            <td>
              <Approvers revision={revision} />
            </td>
          </tr>
        ))}
      </Table>
    )}
  </Layout>
)

export const RevisionPage: FC<{ context: PageContext; revision: AppliedRevision; changes: readonly ObjectChange[] | undefined; access: readonly AccessChange[] | undefined }> = ({ context, revision, changes, access }) => (
  <Layout title={`Applied revision ${revision.id}`} context={context} current="/changes">
    <dl>
      <dt>Applied</dt>
      <dd>
        <Time at={revision.appliedAt} />
      </dd>
      <dt>Commit</dt>
      <dd>{revision.commit ?? '—'}</dd>
      <dt>Author</dt>
      <dd>{revision.author ?? '—'}</dd>
      <dt>Approvers</dt>
      <dd>
        <Approvers revision={revision} />
      </dd>
      <dt>Plan digest</dt>
      <dd>
        <code>{revision.planDigest}</code>
      </dd>
    </dl>
    <h2>Who gained or lost what</h2>
    {access === undefined ? (
      <p>The directory this apply saw is no longer kept (only the last revisions keep it), so its per-person changes cannot be shown.</p>
    ) : access.length === 0 ? (
      <p>Nobody gained or lost access.</p>
    ) : (
      <Table headers={['Person', 'Change', 'Access', 'Risk', 'Through']}>
        {access.map((change) => (
          <tr>
            <td>
              <a href={personHref(change.user)}>{change.user}</a>
            </td>
            <td>{change.change === 'gain' ? 'gained' : 'lost'}</td>
            <td>{change.what}</td>
            <td>
              <RiskBadge risk={change.risk} />
            </td>
            <td>{change.chains.join('; ')}</td>
          </tr>
        ))}
      </Table>
    )}
    <h2>Documents changed</h2>
    {changes === undefined || changes.length === 0 ? (
      <p>{changes === undefined ? 'Not known for this revision.' : 'None.'}</p>
    ) : (
      <ul>
        {changes.map((change) => (
          <li>
            <RiskBadge risk={change.risk} /> {change.action} {change.kind} “{change.name}”{change.file === undefined ? '' : ` (${change.file})`}
          </li>
        ))}
      </ul>
    )}
  </Layout>
)
