// A person: their records, their effective access grouped by service with risk, expiry and the chain of each item
// (as text, as explain prints it, and drawn), where each document of a chain was declared, their drift and
// break-glass grants.
import type { HeldSummary } from '../../guard/held-directory.js'
import type { FC } from 'hono/jsx'
import type { HoldingAnswer } from '../../engine/answers.js'
import type { Chain } from '../../engine/types.js'
import type { DriftAccessChange, DriftBreakGlass } from '../../plan/drift.js'
import type { StoredUser } from '../../store/store.js'
import { ChainDiagram } from '../chain-diagram.js'
import { RiskBadge, Table, Time } from '../components.js'
import type { Declaration } from '../declarations.js'
import { Layout, type PageContext } from '../layout.js'
import { emailOf, nameOf } from './people.js'

/** The access of one service (or the organization's permissions), each item with the chain it comes through. */
export type ServiceAccess = { service: string; items: readonly { answer: HoldingAnswer; chainId: number }[] }

/** A chain that reaches the person, numbered for links, with the documents it passes through. */
export type ChainView = { id: number; chain: Chain; declarations: readonly Declaration[] }

export type PersonData = {
  subject: string
  source: string
  records: readonly StoredUser[]
  isInactive: boolean
  services: readonly ServiceAccess[]
  chains: readonly ChainView[]
  drift: readonly DriftAccessChange[] | undefined
  breakGlass: readonly DriftBreakGlass[]
  /** Held IdP changes: access the IdP gave that waits for a reviewed apply (or was rejected). */
  held: readonly HeldSummary[]
}

export const PersonPage: FC<{ context: PageContext; data: PersonData }> = ({ context, data }) => {
  const count = data.services.reduce((sum, service) => sum + service.items.length, 0)
  return (
    <Layout title={data.subject} context={context} current="/people">
      <p class="muted">Access from the {data.source}, on the live directory.</p>
      {data.isInactive ? (
        <p class="notice" role="status">
          Deactivated: holds no access.
        </p>
      ) : null}
      {data.held.length > 0 ? (
        <>
          <h2>Held IdP changes</h2>
          <p class="muted">Not in effect: the next plan shows open ones, and its reviewed apply releases them.</p>
          <Table headers={['Hold', 'Risk', 'IdP change', 'Since', 'State', 'Access held']}>
            {data.held.map((hold) => (
              <tr>
                <td>{hold.id}</td>
                <td>{hold.risk}</td>
                <td>{hold.change}</td>
                <td>{hold.since}</td>
                <td>{hold.status === 'rejected' ? 'rejected: undo it at the IdP' : 'held'}</td>
                <td>{hold.access.join(', ')}</td>
              </tr>
            ))}
          </Table>
        </>
      ) : null}
      <h2>Records</h2>
      <Table headers={['Connection', 'userName', 'Name', 'Email', 'State', 'IdP groups']}>
        {data.records.map((record) => (
          <tr>
            <td>{record.connection}</td>
            <td>{String(record.doc['userName'] ?? '')}</td>
            <td>{nameOf(record)}</td>
            <td>{emailOf(record)}</td>
            <td>{record.doc['active'] === false ? 'deactivated' : 'active'}</td>
            <td>
              {(record.groups ?? []).map((group, index) => (
                <>
                  {index === 0 ? '' : ', '}
                  <a href={`/idp-groups/${encodeURIComponent(record.connection)}/${encodeURIComponent(group.value)}`}>{group.display ?? group.value}</a>
                </>
              ))}
            </td>
          </tr>
        ))}
      </Table>

      <h2>Access ({String(count)})</h2>
      {count === 0 ? <p>Holds no access.</p> : null}
      {data.services.map((service) => (
        <section aria-label={service.service}>
          <h3>{service.service}</h3>
          <Table headers={['Risk', 'Access and the chain that gives it', 'Expires']}>
            {service.items.map(({ answer, chainId }) => (
              <tr>
                <td>
                  <RiskBadge risk={answer.risk} />
                </td>
                <td>
                  <a href={`#chain-${chainId}`}>{answer.chain}</a>
                  {answer.authMethods === undefined ? '' : ` (sign-in: ${answer.authMethods.join(' or ')})`}
                </td>
                <td>{answer.expires === undefined ? '—' : <Time at={answer.expires} />}</td>
              </tr>
            ))}
          </Table>
        </section>
      ))}

      {data.chains.length === 0 ? null : <h2>How the access reaches them</h2>}
      {data.chains.map((view) => (
        <section id={`chain-${view.id}`} aria-label={`Chain ${view.id}`}>
          <h3>Chain {String(view.id)}</h3>
          <ChainDiagram chain={view.chain} label={`Chain ${view.id}`} />
          {view.declarations.length === 0 ? null : (
            <ul>
              {view.declarations.map((declaration) => (
                <li>
                  {declaration.kind} {declaration.href === undefined ? <strong>{declaration.name}</strong> : <a href={declaration.href}>{declaration.name}</a>}
                  {declaration.at === undefined ? '' : ' declared in '}
                  {declaration.at === undefined ? '' : <code>{declaration.at.file}</code>}
                </li>
              ))}
            </ul>
          )}
        </section>
      ))}

      <h2>Drift</h2>
      {data.drift === undefined ? (
        <p>
          Not computed yet: <a href="/changes#drift">see the drift since the last apply</a>.
        </p>
      ) : data.drift.length === 0 ? (
        <p>No access changed by SCIM since the last apply.</p>
      ) : (
        <ul>
          {data.drift.map((change) => (
            <li>
              <RiskBadge risk={change.risk} /> {change.change === 'gain' ? 'gained' : 'lost'} {change.what} via {change.chains.join('; ')}
            </li>
          ))}
        </ul>
      )}
      <h2>Break-glass grants</h2>
      {data.breakGlass.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul>
          {data.breakGlass.map((grant) => (
            <li>
              <RiskBadge risk={grant.risk} /> {grant.what} ({grant.reason}), until <Time at={grant.expires} />
            </li>
          ))}
        </ul>
      )}
    </Layout>
  )
}
