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
import { recordRoutes } from './record-routes.js'
import { OverviewPage } from './pages/overview.js'
import { PeoplePage, peoplePageSize } from './pages/people.js'
import { PersonPage } from './pages/person.js'
import { NotFoundPage, ProblemPage } from './pages/problem.js'
import { WhoCanPage, whoCanPageSize, whoCanPages, type WhoCanForm } from './pages/who-can.js'
import { personData } from './person-data.js'
import { pageNumber } from './components.js'
import { answerWhoCanPage } from '../server/applied-access.js'
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
  const { store, checks, clock, auth, model } = options
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
    page('/people', async (exchange) => {
      const query = exchange.query('q') ?? ''
      const number = pageNumber(exchange.query('page'))
      const found = await store.findPeople(query, { offset: (number - 1) * peoplePageSize, limit: peoplePageSize })
      return pageReply(<PeoplePage context={auth.contextOf(exchange)} query={query} page={number} total={found.total} people={found.items} />)
    }),
    page('/people/:user', async (exchange) => {
      const connection = exchange.query('connection')
      const data = await personData(store, checks, model, { user: exchange.param('user'), ...(connection === undefined || connection === '' ? {} : { connection }) }, clock())
      const context = auth.contextOf(exchange)
      if (data === undefined) return pageReply(<NotFoundPage />, 404)
      if ('error' in data) return pageReply(<ProblemPage title="Which person?" message={data.error} context={context} />, 400)
      return pageReply(<PersonPage context={context} data={data} />)
    }),
    page('/who-can', async (exchange) => {
      const form: WhoCanForm = { action: exchange.query('action') ?? '', resource: exchange.query('resource') ?? '', env: exchange.query('env') ?? '', permission: exchange.query('permission') ?? '' }
      const context = auth.contextOf(exchange)
      const isAsked = form.permission !== '' || form.action !== '' || form.resource !== ''
      const live = isAsked ? await model.access() : undefined
      if (!isAsked) return pageReply(<WhoCanPage context={context} form={form} source={undefined} answer={undefined} page={1} />)
      if (live === undefined) return pageReply(<WhoCanPage context={context} form={form} source={undefined} answer={{ error: 'Nothing has been applied yet.' }} page={1} />)
      const body = form.permission !== '' ? { permission: form.permission } : { action: form.action, resource: form.resource, ...(form.env === '' ? {} : { env: form.env }) }
      const number = pageNumber(exchange.query('page'))
      const answer = answerWhoCanPage(live, body, clock(), { offset: (number - 1) * whoCanPageSize, limit: whoCanPageSize })
      const status = 'error' in answer ? 400 : number > whoCanPages(answer.total) ? 404 : 200
      return pageReply(<WhoCanPage context={context} form={form} source={live.source} answer={answer} page={number} />, status)
    }),
    ...recordRoutes({ store, auth, model, maxFormBytes }),
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
