// Create or update the one pull-request comment that carries a marker, through GitHub's REST API.
import { RolecallError } from '../errors.js'
import { defaultHttpSettings, sendRequest } from '../net/http.js'

/** A GitHub comment holds at most 65,536 characters. */
export const commentLimit = 65_536

/** GitHub answered with an error, or could not be reached. The message never holds the token. */
export class GithubApiError extends RolecallError {
  override name = 'GithubApiError'
  constructor(
    message: string,
    /** The HTTP status GitHub answered, when it answered. */
    readonly status?: number,
  ) {
    super(message)
  }
}

export type UpsertCommentOptions = {
  /** e.g. `https://api.github.com`; pagination links are followed only on this origin, so the token goes nowhere else. */
  apiUrl: string
  repo: string
  pr: number
  body: string
  token: string
  marker: string
  fetch?: typeof fetch
}

export type CommentOutcome = { action: 'created' | 'updated'; id: number; url: string | undefined; pages: number }

type IssueComment = { id: number; body: string; login: string | undefined; isBot: boolean; url: string | undefined }

/** Follow at most this many pages of comments (10,000 comments at per_page=100). */
const maxPages = 100

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The `rel="next"` target of an RFC 8288 Link header, if any. */
export function nextLink(header: string | null): string | undefined {
  if (header === null) return undefined
  for (const part of header.split(',')) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part)
    if (match === null) continue
    const rels = (match[2] ?? '')
      .split(';')
      .map((param) => /^\s*rel\s*=\s*"?([^"]*)"?\s*$/i.exec(param)?.[1] ?? '')
      .flatMap((value) => value.split(/\s+/))
    if (rels.includes('next')) return match[1]
  }
  return undefined
}

/** The body with the marker first (so the next run finds it) and cut to GitHub's limit. */
export function commentBody(body: string, marker: string): string {
  const marked = body.includes(marker) ? body : `${marker}\n${body}`
  if (marked.length <= commentLimit) return marked
  const note = '\n\n… (cut to fit a GitHub comment; the full plan is in the workflow artifact)\n'
  return marked.slice(0, commentLimit - note.length) + note
}

/** GitHub REST calls with the token, on one origin only (pagination links elsewhere are refused), retried where safe. */
export class GithubClient {
  private readonly origin: string
  private readonly base: string

  constructor(
    apiUrl: string,
    private readonly token: string,
    private readonly doFetch: typeof fetch,
  ) {
    let parsed: URL
    try {
      parsed = new URL(apiUrl)
    } catch {
      throw new GithubApiError(`--api-url is not a URL: ${apiUrl}`)
    }
    this.origin = parsed.origin
    this.base = apiUrl.replace(/\/+$/, '')
  }

  url(path: string): string {
    return `${this.base}${path}`
  }

  async request(method: string, url: string, body?: unknown): Promise<{ status: number; json: unknown; headers: Headers }> {
    if (new URL(url).origin !== this.origin) throw new GithubApiError(`refusing to follow ${method} ${url}: not on ${this.origin}`)
    const shown = `${method} ${new URL(url).pathname}`
    let response: Response
    try {
      // GET is retried (with backoff, Retry-After and the rate-limit reset); a new or edited comment is sent once.
      response = await sendRequest(
        url,
        {
          method,
          headers: {
            accept: 'application/vnd.github+json',
            authorization: `Bearer ${this.token}`,
            'user-agent': 'rolecall',
            'x-github-api-version': '2022-11-28',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        },
        { ...defaultHttpSettings, fetch: this.doFetch },
      )
    } catch (error) {
      throw new GithubApiError(`GitHub API ${shown}: cannot connect to ${this.origin} (${error instanceof Error ? error.message : String(error)})`)
    }
    const text = await response.text()
    let json: unknown
    try {
      json = text === '' ? undefined : JSON.parse(text)
    } catch {
      json = undefined
    }
    if (!response.ok) {
      const message = isRecord(json) && typeof json.message === 'string' ? `: ${json.message}` : ''
      throw new GithubApiError(`GitHub API ${shown} answered ${response.status} ${response.statusText}${message}`, response.status)
    }
    return { status: response.status, json, headers: response.headers }
  }
}

function asComment(value: unknown): IssueComment | undefined {
  if (!isRecord(value) || typeof value.id !== 'number') return undefined
  const user = isRecord(value.user) ? value.user : {}
  return {
    id: value.id,
    body: typeof value.body === 'string' ? value.body : '',
    login: typeof user.login === 'string' ? user.login : undefined,
    isBot: user.type === 'Bot',
    url: typeof value.html_url === 'string' ? value.html_url : undefined,
  }
}

/** The token's own login, or undefined when GitHub will not say (an Actions GITHUB_TOKEN gets 403 on /user). */
async function ownLogin(client: GithubClient): Promise<string | undefined> {
  try {
    const { json } = await client.request('GET', client.url('/user'))
    return isRecord(json) && typeof json.login === 'string' ? json.login : undefined
  } catch (error) {
    // Only GitHub's "no" means "cannot tell"; a connection failure ends the run here.
    if (error instanceof GithubApiError && error.status !== undefined) return undefined
    throw error
  }
}

/**
 * Our comment among those carrying the marker: by our own login when known, else a Bot account's (the Actions token,
 * which may not ask /user, posts as github-actions[bot]). Never a person's: anyone can write the marker into a comment,
 * and overwriting what a reviewer wrote is worse than a second plan comment.
 */
function pickOwn(comments: readonly IssueComment[], marker: string, login: string | undefined): IssueComment | undefined {
  const marked = comments.filter((comment) => comment.body.includes(marker))
  if (login !== undefined) return marked.find((comment) => comment.login?.toLowerCase() === login.toLowerCase())
  return marked.find((comment) => comment.isBot)
}

/** PATCH the pull request's marked comment, or POST a new one. */
export async function upsertComment(options: UpsertCommentOptions): Promise<CommentOutcome> {
  const client = new GithubClient(options.apiUrl, options.token, options.fetch ?? fetch)
  const body = commentBody(options.body, options.marker)
  const login = await ownLogin(client)
  const comments: IssueComment[] = []
  let next: string | undefined = client.url(`/repos/${options.repo}/issues/${options.pr}/comments?per_page=100`)
  let pages = 0
  while (next !== undefined && pages < maxPages) {
    const page = await client.request('GET', next)
    pages++
    if (!Array.isArray(page.json)) throw new GithubApiError(`GitHub API GET ${new URL(next).pathname}: expected a list of comments`)
    for (const item of page.json) {
      const comment = asComment(item)
      if (comment !== undefined) comments.push(comment)
    }
    next = nextLink(page.headers.get('link'))
  }
  const own = pickOwn(comments, options.marker, login)
  if (own !== undefined) {
    const { json } = await client.request('PATCH', client.url(`/repos/${options.repo}/issues/comments/${own.id}`), { body })
    return { action: 'updated', id: own.id, url: asComment(json)?.url ?? own.url, pages }
  }
  const { json } = await client.request('POST', client.url(`/repos/${options.repo}/issues/${options.pr}/comments`), { body })
  const created = asComment(json)
  if (created === undefined) throw new GithubApiError('GitHub API POST of the comment answered without a comment')
  return { action: 'created', id: created.id, url: created.url, pages }
}
