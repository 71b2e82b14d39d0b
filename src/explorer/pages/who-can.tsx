// Who can: an action on a resource (globs allowed), or a permission → the people, each with the chains; the answer
// of `rolecall who-can`.
import type { FC } from 'hono/jsx'
import type { WhoCanEntry } from '../../engine/answers.js'
import { Pager, personHref, queryOf } from '../components.js'
import { Layout, type PageContext } from '../layout.js'

export type WhoCanForm = { action: string; resource: string; env: string; permission: string }

/** People listed on one page of an answer. */
export const whoCanPageSize = 100

/** The people on the page asked for (their chains written) and how many can in all; or what is wrong with the question. */
export type WhoCanAnswer = { total: number; users: readonly WhoCanEntry[] } | { error: string }

/** The pages an answer of `total` people takes (one, when nobody can). */
export function whoCanPages(total: number): number {
  return Math.max(1, Math.ceil(total / whoCanPageSize))
}

/** The stable address of one page of an answer (page 1 without `page`). */
function hrefOf(form: WhoCanForm, page: number): string {
  return `/who-can${queryOf({ ...form, page: page === 1 ? undefined : page })}`
}

export const WhoCanPage: FC<{ context: PageContext; form: WhoCanForm; source: string | undefined; answer: WhoCanAnswer | undefined; page: number }> = ({ context, form, source, answer, page }) => (
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
          {String(answer.total)} {answer.total === 1 ? 'person' : 'people'} can ({source}).
          {answer.users.length > 0 && answer.total > whoCanPageSize ? ` Showing ${String((page - 1) * whoCanPageSize + 1)}–${String((page - 1) * whoCanPageSize + answer.users.length)} of ${String(answer.total)}.` : ''}
        </p>
        {page > whoCanPages(answer.total) ? (
          <p class="notice error" role="alert">
            There is no page {String(page)}: the answer has {String(whoCanPages(answer.total))}. <a href={hrefOf(form, whoCanPages(answer.total))}>The last page</a>
          </p>
        ) : null}
        <ul>
          {answer.users.map((entry) => (
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
        <Pager page={Math.min(page, whoCanPages(answer.total))} pageSize={whoCanPageSize} total={answer.total} hrefOf={(number) => hrefOf(form, number)} />
      </>
    )}
  </Layout>
)
