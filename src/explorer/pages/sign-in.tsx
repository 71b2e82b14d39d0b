// The sign-in page: an admin token with the `view` scope opens a session.
import type { FC } from 'hono/jsx'
import { Layout } from '../layout.js'

export const SignInPage: FC<{ csrf: string; next: string; problem?: string }> = ({ csrf, next, problem }) => (
  <Layout title="Sign in">
    <p>
      Sign in with an admin token that carries the <code>view</code> scope. Ask whoever runs rolecall for one:
    </p>
    <pre class="secret">rolecall admin-token create --scope view --name "your name"</pre>
    {problem === undefined ? null : (
      <p class="notice error" role="alert">
        {problem}
      </p>
    )}
    <form method="post" action="/sign-in" class="search">
      <input type="hidden" name="csrf" value={csrf} />
      <input type="hidden" name="next" value={next} />
      <label>
        Admin token
        <input type="password" name="token" autocomplete="off" required size={50} />
      </label>
      <button type="submit">Sign in</button>
    </form>
  </Layout>
)
