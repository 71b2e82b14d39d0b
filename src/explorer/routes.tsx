// The web explorer's routes in the server's one request pipeline: sign-in and sign-out, the pages (each behind the
// signed-in guard), and the package's stylesheet and script. Only the Connections page's token forms write.
import type { Exchange, Route } from '../http/pipeline.js'
import { reply } from '../http/exchange.js'
import type { CheckService } from '../server/check-service.js'
import type { Store } from '../store/store.js'
import { assets } from './assets.js'
import { localPath, type ExplorerAuth } from './auth.js'
import type { LiveModel } from './live-model.js'
import { overviewData } from './overview-data.js'
import { OverviewPage } from './pages/overview.js'
import { SignInPage } from './pages/sign-in.js'
import { pageReply, redirectReply, securityHeaders } from './reply.js'

/** Largest form body read (a sign-in or token form). */
export const maxFormBytes = 8 * 1024

export type ExplorerOptions = {
  store: Store
  checks: CheckService
  clock: () => Date
  auth: ExplorerAuth
  model: LiveModel
}

function formOf(exchange: Exchange): URLSearchParams {
  return new URLSearchParams(exchange.text)
}

export function explorerRoutes(options: ExplorerOptions): Route[] {
  const { store, clock, auth, model } = options
  const signedIn = auth.signedIn
  const page = (path: string, handle: Route['handle']): Route => ({ method: 'GET', path, guard: signedIn, handle })
  return [
    {
      method: 'GET',
      path: '/sign-in',
      handle: (exchange) => {
        const form = auth.signInForm(exchange)
        return pageReply(<SignInPage csrf={form.csrf} next={localPath(exchange.query('next'))} />, 200, form.headers)
      },
    },
    {
      method: 'POST',
      path: '/sign-in',
      maxBody: maxFormBytes,
      handle: async (exchange) => {
        const form = formOf(exchange)
        const outcome = await auth.signIn(exchange, form)
        if ('reply' in outcome) return outcome.reply
        const again = auth.signInForm(exchange)
        return pageReply(<SignInPage csrf={again.csrf} next={localPath(form.get('next') ?? undefined)} problem={outcome.message} />, outcome.status, again.headers)
      },
    },
    {
      method: 'POST',
      path: '/sign-out',
      guard: signedIn,
      maxBody: maxFormBytes,
      handle: (exchange) => (auth.isOwnForm(exchange, formOf(exchange)) ? auth.signOut(exchange) : redirectReply('/')),
    },
    page('/', async (exchange) => pageReply(<OverviewPage context={auth.contextOf(exchange)} data={await overviewData(store, model, clock())} />)),
    {
      method: 'GET',
      path: '/assets/:file',
      handle: (exchange) => {
        const asset = assets.get(exchange.request.path)
        if (asset === undefined) return reply(404, { ...securityHeaders, 'content-type': 'text/plain; charset=UTF-8' }, '404 Not Found')
        return reply(200, { 'content-type': asset.contentType, 'cache-control': 'private, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' }, asset.body)
      },
    },
  ]
}
