// Connections: each SCIM connection's base URL for the IdP's setup screen, its tokens and recent SCIM activity; with
// the `tokens` scope, forms that create a token (shown once) and revoke one.
import type { FC } from 'hono/jsx'
import type { AuditEntry, TokenInfo } from '../../store/store.js'
import { Table, Time } from '../components.js'
import { Layout, type PageContext } from '../layout.js'

export type ConnectionView = { name: string; tokens: readonly TokenInfo[]; activity: readonly AuditEntry[] }

export const ConnectionsPage: FC<{ context: PageContext; baseUrl: string; connections: readonly ConnectionView[]; mayManage: boolean; created?: { token: string; info: TokenInfo }; notice?: string }> = ({
  context,
  baseUrl,
  connections,
  mayManage,
  created,
  notice,
}) => (
  <Layout title="Connections" context={context} current="/connections">
    {created === undefined ? null : (
      <section class="notice" aria-label="New token" role="status">
        <h2>New token for {created.info.connection}</h2>
        <p>Give it to the IdP now. It is shown only this once, and never again.</p>
        <p id="new-token" class="secret">
          {created.token}
        </p>
        <button type="button" data-copy="new-token" hidden>
          Copy
        </button>
      </section>
    )}
    {notice === undefined ? null : (
      <p class="notice" role="status">
        {notice}
      </p>
    )}
    <p>
      SCIM base URL for every connection: <code>{baseUrl}</code>
    </p>
    {connections.length === 0 ? <p>No connection yet.</p> : null}
    {connections.map((connection) => (
      <section aria-label={`Connection ${connection.name}`}>
        <h2>{connection.name}</h2>
        <Table headers={['Token', 'Created', 'Last used', 'Revoked', mayManage ? 'Action' : null]} caption={`Tokens of ${connection.name}`}>
          {connection.tokens.map((token) => (
            <tr>
              <td>
                <code>{token.hint}</code> ({token.id})
              </td>
              <td>
                <Time at={token.createdAt} />
              </td>
              <td>{token.lastUsedAt === undefined ? 'never' : <Time at={token.lastUsedAt} />}</td>
              <td>{token.revokedAt === undefined ? '—' : <Time at={token.revokedAt} />}</td>
              {mayManage ? (
                <td>
                  {token.revokedAt === undefined ? (
                    <form method="post" action={`/connections/tokens/${encodeURIComponent(token.id)}/revoke`}>
                      <input type="hidden" name="csrf" value={context.csrf} />
                      <button type="submit" aria-label={`Revoke ${token.id}`}>
                        Revoke
                      </button>
                    </form>
                  ) : null}
                </td>
              ) : null}
            </tr>
          ))}
        </Table>
        {mayManage ? (
          <form method="post" action="/connections/tokens">
            <input type="hidden" name="csrf" value={context.csrf} />
            <input type="hidden" name="connection" value={connection.name} />
            <button type="submit">Create a token for {connection.name}</button>
          </form>
        ) : null}
        <h3>Recent SCIM activity</h3>
        {connection.activity.length === 0 ? (
          <p>None.</p>
        ) : (
          <ul>
            {connection.activity.map((entry) => (
              <li>
                <Time at={entry.at} /> {entry.actor} {entry.action} {entry.resourceType ?? ''} {entry.resourceId ?? ''}
              </li>
            ))}
          </ul>
        )}
      </section>
    ))}
  </Layout>
)
