// Who can: an action on a resource (globs allowed), or a permission → the people, each with the chains; the answer
// of `rolecall who-can`.
import type { FC } from 'hono/jsx'
import type { WhoCanEntry } from '../../engine/answers.js'
import { Pager, personHref, queryOf } from '../components.js'
import { Layout, type PageContext } from '../layout.js'

export type WhoCanForm = { action: string; resource: string; env: string; permission: string }

/** People listed on one page of an answer. */
export const whoCanPageSize = 100

export const WhoCanPage: FC<{ context: PageContext; form: WhoCanForm; source: string | undefined; answer: { users: readonly WhoCanEntry[] } | { error: string } | undefined; page: number }> = ({ context, form, source, answer, page }) => (
  <Layout title="Who can" context={context} current="/who-can">
    <form method="get" action="/who-can" class="search">
      <label>
        Action
        <input type="text" name="action" value={form.action} placeholder="run" />
      </label>
      <label>
        Resource
        <input type="text" name="resource" value={form.resource} placeholder="journey:checkout/*" size={30} />
      </label>
      <label>
        Environment
        <input type="text" name="env" value={form.env} placeholder="production" />
      </label>
      <span>or</span>
      <label>
        Permission
        <input type="text" name="permission" value={form.permission} placeholder="sso:manage" />
      </label>
      <button type="submit">Ask</button>
    </form>
    {answer === undefined ? (
      <p>Give an action and a resource, or a permission.</p>
    ) : 'error' in answer ? (
      <p class="notice error" role="alert">
        {answer.error}
      </p>
    ) : (
      <>
        <p>
          {String(answer.users.length)} {answer.users.length === 1 ? 'person' : 'people'} can ({source}).
        </p>
        <ul>
          {answer.users.slice((page - 1) * whoCanPageSize, page * whoCanPageSize).map((entry) => (
            <li>
              <a href={personHref(entry.user)}>{entry.user}</a>
              <ul>
                {entry.reasons.map((reason) => (
                  <li>via {reason}</li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
        <Pager page={page} pageSize={whoCanPageSize} total={answer.users.length} hrefOf={(number) => `/who-can${queryOf({ ...form, page: number })}`} />
      </>
    )}
  </Layout>
)
