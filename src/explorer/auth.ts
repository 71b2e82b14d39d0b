// Who is signed in to the explorer: a session opened with a `view` admin token (or, behind an SSO proxy, the user
// header it sets), the guard every page stands behind, and the form checks (CSRF token and origin) of every POST.
import { createHmac } from 'node:crypto'
import type { Exchange, Guard } from '../http/pipeline.js'
import type { HttpReply } from '../http/exchange.js'
import type { Store } from '../store/store.js'
import { cookieOf, setCookie } from './cookies.js'
import type { PageContext } from './layout.js'
import { redirectReply } from './reply.js'
import { randomSecret, sameSecret, type Session, type SessionStore, type Viewer } from './sessions.js'

export const sessionCookie = 'rolecall_session'
/** The sign-in form's own token (double-submit), for the request that has no session yet. */
export const signInCookie = 'rolecall_sign_in'

export type ExplorerAuthOptions = {
  store: Store
  sessions: SessionStore
  /** A TLS proxy fronts the server: cookies are Secure even when the request reached it over plain HTTP. */
  trustProxy: boolean
  /** Behind an SSO proxy (oauth2-proxy): the header naming the person, who needs no token and has no sign-out. */
  userHeader?: string
}

/** Why a sign-in failed, shown on the form. */
export type SignInRefusal = { status: 401 | 403; message: string }

/** A path on this site to go back to after sign-in; anything else (another host, `//host`, `/\\host`) is the overview. */
export function localPath(next: string | undefined): string {
  return next !== undefined && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/'
}

export class ExplorerAuth {
  readonly #store: Store
  readonly #sessions: SessionStore
  readonly #trustProxy: boolean
  readonly #userHeader: string | undefined
  /** Keys the form tokens of people the SSO proxy names (they have no session to keep one in). */
  readonly #formKey = randomSecret()
  readonly #signedIn = new WeakMap<Exchange, { session: Session; context: PageContext }>()

  constructor(options: ExplorerAuthOptions) {
    this.#store = options.store
    this.#sessions = options.sessions
    this.#trustProxy = options.trustProxy
    this.#userHeader = options.userHeader
  }

  isSecure(exchange: Exchange): boolean {
    return this.#trustProxy || exchange.request.scheme === 'https'
  }

  /** Lets through a request of a live session whose token is not revoked; sends anyone else to the sign-in page. */
  readonly signedIn: Guard = async (exchange) => {
    const proxied = this.#userHeader === undefined ? undefined : exchange.header(this.#userHeader)?.trim()
    if (proxied !== undefined && proxied !== '') {
      const csrf = createHmac('sha256', this.#formKey).update(proxied).digest('base64url')
      const session: Session = { name: proxied, tokenId: undefined, scopes: ['view'], csrf, createdAt: 0, seenAt: 0 }
      this.#signedIn.set(exchange, { session, context: { viewer: session, csrf, signOut: false } })
      return undefined
    }
    const secret = cookieOf(exchange.header('cookie'), sessionCookie)
    const session = secret === undefined ? undefined : this.#sessions.find(secret)
    if (session !== undefined && (session.tokenId === undefined || (await this.#isTokenLive(session.tokenId)))) {
      if (session.tokenId !== undefined) exchange.adminTokenId = session.tokenId
      this.#signedIn.set(exchange, { session, context: { viewer: session, csrf: session.csrf, signOut: true } })
      return undefined
    }
    if (session?.tokenId !== undefined) this.#sessions.endForToken(session.tokenId)
    const wanted = `${exchange.request.path}${exchange.request.search === '' ? '' : `?${exchange.request.search}`}`
    return redirectReply(`/sign-in${wanted === '/' ? '' : `?next=${encodeURIComponent(wanted)}`}`)
  }

  /** The signed-in page context of a request the guard let through. */
  contextOf(exchange: Exchange): PageContext {
    const found = this.#signedIn.get(exchange)
    if (found === undefined) throw new Error('explorer page without the signed-in guard')
    return found.context
  }

  viewerOf(exchange: Exchange): Viewer {
    return this.contextOf(exchange).viewer
  }

  /**
   * Whether a form POST is this session's own: its `csrf` field is the session's token, and the browser's Origin
   * (when sent) is this server's.
   */
  isOwnForm(exchange: Exchange, form: URLSearchParams): boolean {
    const found = this.#signedIn.get(exchange)
    return found !== undefined && isSameOrigin(exchange) && sameSecret(form.get('csrf') ?? '', found.session.csrf)
  }

  /** The sign-in form's token and the cookie that carries it. */
  signInForm(exchange: Exchange): { csrf: string; headers: Record<string, string> } {
    const csrf = cookieOf(exchange.header('cookie'), signInCookie) ?? randomSecret()
    return { csrf, headers: { 'set-cookie': setCookie(signInCookie, csrf, { isSecure: this.isSecure(exchange), maxAgeSeconds: 3600 }) } }
  }

  /** Opens a session for a `view` admin token sent by the sign-in form; the reply sets its cookie. */
  async signIn(exchange: Exchange, form: URLSearchParams): Promise<{ reply: HttpReply } | SignInRefusal> {
    const formToken = cookieOf(exchange.header('cookie'), signInCookie)
    if (formToken === undefined || !isSameOrigin(exchange) || !sameSecret(form.get('csrf') ?? '', formToken)) {
      return { status: 403, message: 'The sign-in form expired. Please try again.' }
    }
    const token = (form.get('token') ?? '').trim()
    const found = token === '' ? undefined : await this.#store.authenticateAdmin(token)
    if (found === undefined) return { status: 401, message: 'That is not a valid admin token.' }
    if (!found.scopes.includes('view')) return { status: 403, message: 'This token cannot sign in to the explorer: it lacks the "view" scope.' }
    const info = (await this.#store.listAdminTokens()).find((entry) => entry.id === found.id)
    const name = info?.name === undefined ? found.id : `${info.name} (${found.id})`
    const { secret } = this.#sessions.open({ name, tokenId: found.id, scopes: found.scopes })
    return { reply: redirectReply(localPath(form.get('next') ?? undefined), { 'set-cookie': setCookie(sessionCookie, secret, { isSecure: this.isSecure(exchange) }) }) }
  }

  /** Ends the request's session on the server and deletes its cookie. */
  signOut(exchange: Exchange): HttpReply {
    const secret = cookieOf(exchange.header('cookie'), sessionCookie)
    if (secret !== undefined) this.#sessions.end(secret)
    return redirectReply('/sign-in', { 'set-cookie': setCookie(sessionCookie, '', { isSecure: this.isSecure(exchange), maxAgeSeconds: 0 }) })
  }

  async #isTokenLive(tokenId: string): Promise<boolean> {
    const token = (await this.#store.listAdminTokens()).find((entry) => entry.id === tokenId)
    return token !== undefined && token.revokedAt === undefined
  }
}

/** The Origin a browser sends with a POST, when it sends one, names this server (as the client addressed it). */
function isSameOrigin(exchange: Exchange): boolean {
  const origin = exchange.header('origin')
  if (origin === undefined) return true
  const authority = exchange.request.authority
  return authority !== undefined && (origin === `http://${authority}` || origin === `https://${authority}`)
}
