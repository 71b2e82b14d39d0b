// Pages for what went wrong: no such page, a method the page does not take, a failure. They say nothing of the server.
import type { FC } from 'hono/jsx'
import { Layout, type PageContext } from '../layout.js'

export const NotFoundPage: FC = () => (
  <Layout title="Page not found">
    <p>There is no page at this address. It may have been mistyped, or what it showed no longer exists.</p>
    <p>
      <a href="/">Go to the overview</a>
    </p>
  </Layout>
)

export const ProblemPage: FC<{ title: string; message: string; requestId?: string; context?: PageContext }> = ({ title, message, requestId, context }) => (
  <Layout title={title} context={context}>
    <p>{message}</p>
    {requestId === undefined ? null : (
      <p class="muted">
        Request id: <code>{requestId}</code>
      </p>
    )}
    <p>
      <a href="/">Go to the overview</a>
    </p>
  </Layout>
)
