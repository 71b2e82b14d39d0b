// The frame of every explorer page: skip link, site header with who is signed in and sign-out, navigation, main.
import type { Child, FC } from 'hono/jsx'
import { assetPaths } from './assets.js'
import type { Viewer } from './sessions.js'

/** The pages of the navigation, in its order. */
export const navigation = [
  { path: '/', label: 'Overview' },
  { path: '/people', label: 'People' },
  { path: '/who-can', label: 'Who can' },
  { path: '/groups', label: 'Groups' },
  { path: '/services', label: 'Services' },
  { path: '/changes', label: 'Changes' },
  { path: '/audit', label: 'Audit log' },
  { path: '/connections', label: 'Connections' },
] as const

export type NavPath = (typeof navigation)[number]['path']

/** Who is signed in and the form token of their session; absent on pages shown to nobody in particular. */
export type PageContext = { viewer: Viewer; csrf: string; signOut: boolean }

export const Layout: FC<{ title: string; context?: PageContext; current?: NavPath; children?: Child }> = ({ title, context, current, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${title} · rolecall`}</title>
      <link rel="stylesheet" href={assetPaths.css} />
      <script src={assetPaths.js} defer></script>
    </head>
    <body>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="site">
        <span class="brand">rolecall</span>
        {context === undefined ? null : (
          <div class="who">
            <span>
              Signed in as <strong>{context.viewer.name}</strong>
            </span>
            {context.signOut ? (
              <form method="post" action="/sign-out">
                <input type="hidden" name="csrf" value={context.csrf} />
                <button type="submit">Sign out</button>
              </form>
            ) : null}
          </div>
        )}
      </header>
      {context === undefined ? null : (
        <nav aria-label="Explorer">
          <ul>
            {navigation.map((item) => (
              <li>
                <a href={item.path} aria-current={item.path === current ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <main id="main">
        <h1>{title}</h1>
        {children}
      </main>
    </body>
  </html>
)
