// People: search by userName, name or email across every connection, one page at a time.
import type { FC } from 'hono/jsx'
import type { StoredUser } from '../../store/store.js'
import { Pager, Table, personHref, queryOf } from '../components.js'
import { Layout, type PageContext } from '../layout.js'

export const peoplePageSize = 50

function text(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

/** The primary email, else the first. */
export function emailOf(user: StoredUser): string {
  const emails = Array.isArray(user.doc['emails']) ? (user.doc['emails'] as unknown[]) : []
  const email = (emails.find((entry) => (entry as { primary?: unknown } | null)?.primary === true) ?? emails[0]) as { value?: unknown } | undefined
  return text(email?.value)
}

export function nameOf(user: StoredUser): string {
  const name = user.doc['name'] as { formatted?: unknown; givenName?: unknown; familyName?: unknown } | undefined
  return text(user.doc['displayName']) || text(name?.formatted) || [text(name?.givenName), text(name?.familyName)].filter((part) => part !== '').join(' ')
}

export const PeoplePage: FC<{ context: PageContext; query: string; page: number; total: number; people: readonly StoredUser[] }> = ({ context, query, page, total, people }) => (
  <Layout title="People" context={context} current="/people">
    <form method="get" action="/people" class="search" role="search">
      <label>
        Search by userName, name or email
        <input type="search" name="q" value={query} size={40} />
      </label>
      <button type="submit">Search</button>
    </form>
    {people.length === 0 ? (
      <p>{query === '' ? 'Nobody has been provisioned yet.' : 'Nobody matches.'}</p>
    ) : (
      <Table headers={['userName', 'Name', 'Email', 'Connection', 'State']} caption={query === '' ? 'Everyone, by userName' : `Matching “${query}”`}>
        {people.map((user) => {
          const userName = text(user.doc['userName'])
          return (
            <tr>
              <td>
                <a href={personHref(userName, user.connection)}>{userName}</a>
              </td>
              <td>{nameOf(user)}</td>
              <td>{emailOf(user)}</td>
              <td>{user.connection}</td>
              <td>{user.doc['active'] === false ? 'deactivated' : 'active'}</td>
            </tr>
          )
        })}
      </Table>
    )}
    <Pager page={page} pageSize={peoplePageSize} total={total} hrefOf={(number) => `/people${queryOf({ q: query, page: number })}`} />
  </Layout>
)
