// rolecall github-comment through the real CLI against recorded GitHub payloads served on 127.0.0.1.
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { commentBody, nextLink } from '../../src/review/github-comment.js'
import { runCli } from '../helpers/cli.js'
import { fixturesDir } from '../helpers/fixtures.js'

type Recorded = { method: string; url: string; authorization: string | undefined; body: string }
type Route = (request: Recorded, response: ServerResponse) => void

const token = 'ghs_test0000000000000000000000000000'
const marker = '<!-- rolecall-plan -->'

function payload(name: string): string {
  return readFileSync(join(fixturesDir, 'github', name), 'utf8')
}

function send(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  response.end(body)
}

let server: Server
let base: string
let dir: string
let bodyFile: string
let route: Route = (_request, response) => send(response, 500, '{}')
let requests: Recorded[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rolecall-gh-'))
  bodyFile = join(dir, 'plan.md')
  await writeFile(bodyFile, `${marker}\n### rolecall plan\n\nBODY\n`)
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = ''
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
    request.on('end', () => {
      const recorded = { method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization, body }
      requests.push(recorded)
      route(recorded, response)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterEach(() => {
  requests = []
})

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await rm(dir, { recursive: true, force: true })
})

/** GITHUB_TOKEN of Actions: /user is forbidden, so the bot's own comment is found by its type. */
function actionsToken(comments: (url: URL) => { body: string; link?: string }): Route {
  return (request, response) => {
    const url = new URL(request.url, base)
    if (request.method === 'GET' && url.pathname === '/user') return send(response, 403, payload('error-403.json'))
    if (request.method === 'GET' && url.pathname === '/repos/acme/access/issues/7/comments') {
      const page = comments(url)
      return send(response, 200, page.body, page.link === undefined ? {} : { link: page.link })
    }
    if (request.method === 'PATCH' && url.pathname.startsWith('/repos/acme/access/issues/comments/')) return send(response, 200, payload('comment-updated.json'))
    if (request.method === 'POST' && url.pathname === '/repos/acme/access/issues/7/comments') return send(response, 201, payload('comment-created.json'))
    return send(response, 404, '{"message":"Not Found"}')
  }
}

function comment(args: readonly string[] = []): ReturnType<typeof runCli> {
  return runCli(['github-comment', '--repo', 'acme/access', '--pr', '7', '--body-file', bodyFile, '--api-url', base, ...args], { env: { GITHUB_TOKEN: token } })
}

describe('rolecall github-comment', () => {
  it('posts a new comment when the pull request has none with the marker', async () => {
    route = actionsToken(() => ({ body: payload('comments-no-marker.json') }))
    const result = await comment()
    expect(result).toEqual({ code: 0, stdout: 'Created comment 2000000200 on acme/access#7: https://github.com/acme/access/pull/7#issuecomment-2000000200\n', stderr: '' })
    const writes = requests.filter((request) => request.method !== 'GET')
    expect(writes.map((request) => `${request.method} ${request.url}`)).toEqual(['POST /repos/acme/access/issues/7/comments'])
    expect(JSON.parse(writes[0]?.body ?? '{}')).toEqual({ body: `${marker}\n### rolecall plan\n\nBODY\n` })
    expect(requests.every((request) => request.authorization === `Bearer ${token}`)).toBe(true)
    expect(requests.find((request) => request.url.includes('/comments'))?.url).toBe('/repos/acme/access/issues/7/comments?per_page=100')
  })

  it('follows the Link header and updates the bot comment on page 2, not a person quoting it on page 1', async () => {
    route = actionsToken((url) =>
      url.searchParams.get('page') === '2'
        ? { body: payload('comments-page-2.json'), link: `<${base}/repos/acme/access/issues/7/comments?per_page=100&page=1>; rel="prev", <${base}/repos/acme/access/issues/7/comments?per_page=100&page=1>; rel="first"` }
        : { body: payload('comments-page-1.json'), link: `<${base}/repos/acme/access/issues/7/comments?per_page=100&page=2>; rel="next", <${base}/repos/acme/access/issues/7/comments?per_page=100&page=2>; rel="last"` },
    )
    const result = await comment()
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('Updated comment 2000000101 on acme/access#7: https://github.com/acme/access/pull/7#issuecomment-2000000101\n')
    expect(requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      'GET /user',
      'GET /repos/acme/access/issues/7/comments?per_page=100',
      'GET /repos/acme/access/issues/7/comments?per_page=100&page=2',
      'PATCH /repos/acme/access/issues/comments/2000000101',
    ])
  })

  it("posts a new comment, and leaves a person's marked comment alone, when the token cannot say who it is", async () => {
    // Page 1 alone: alice quotes the plan, marker included; there is no bot comment to update.
    route = actionsToken(() => ({ body: payload('comments-page-1.json') }))
    const result = await comment()
    expect(result.stderr).toBe('')
    expect(result.stdout).toMatch(/^Created comment 2000000200 on acme\/access#7/)
    expect(requests.filter((request) => request.method !== 'GET').map((request) => `${request.method} ${request.url}`)).toEqual(['POST /repos/acme/access/issues/7/comments'])
  })

  it('updates the comment of the token\'s own user when GitHub says who that is', async () => {
    const fallback = actionsToken(() => ({ body: JSON.stringify([...JSON.parse(payload('comments-page-1.json')), ...JSON.parse(payload('comments-page-2.json'))]) }))
    route = (request, response) => (request.url === '/user' ? send(response, 200, '{"login":"alice","id":1001,"type":"User"}') : fallback(request, response))
    const result = await comment()
    expect(result.stdout).toMatch(/^Updated comment 2000000100 on acme\/access#7/)
    expect(requests.filter((request) => request.method === 'PATCH').map((request) => request.url)).toEqual(['/repos/acme/access/issues/comments/2000000100'])
  })

  it('exits 1 with the API message and no stack trace on 403', async () => {
    route = (request, response) => send(response, 403, payload('error-403.json'))
    const result = await comment()
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'rolecall: GitHub API GET /repos/acme/access/issues/7/comments answered 403 Forbidden: Resource not accessible by integration\n',
    })
    expect(result.stderr).not.toContain(token)
  })

  it('exits 1 when the API cannot be reached', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const result = await runCli(['github-comment', '--repo', 'acme/access', '--pr', '7', '--body-file', bodyFile, '--api-url', `http://127.0.0.1:${port}`], { env: { GITHUB_TOKEN: token } })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^rolecall: GitHub API GET \/user: cannot connect to http:\/\/127\.0\.0\.1:\d+ \(.*\)\n/)
  })

  it.each([
    ['without a token', ['--repo', 'acme/access', '--pr', '7', '--body-file', 'x.md'], {}, 'rolecall: github-comment: set GITHUB_TOKEN to a token that may write pull-request comments\n'],
    ['with a bad pull request number', ['--repo', 'acme/access', '--pr', 'seven', '--body-file', 'x.md'], { GITHUB_TOKEN: token }, 'rolecall: github-comment needs --pr with a pull request number\n'],
  ])('refuses to run %s', async (_name, args, env, message) => {
    const result = await runCli(['github-comment', ...args], { env })
    expect(result.code).toBe(1)
    expect(result.stderr.split('Usage:')[0]).toBe(message)
  })
})

describe('github-comment helpers', () => {
  it.each([
    ['<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last"', 'https://api.github.com/x?page=2'],
    ['<https://api.github.com/x?page=1>; rel="prev"', undefined],
    ['<https://api.github.com/x?page=3>; rel="last next"', 'https://api.github.com/x?page=3'],
  ])('nextLink(%s)', (header, next) => {
    expect(nextLink(header)).toBe(next)
  })

  it('puts the marker first when the body lacks it, and cuts a body too long for GitHub', () => {
    expect(commentBody('hello', marker)).toBe(`${marker}\nhello`)
    const long = commentBody('x'.repeat(70_000), marker)
    expect(long.length).toBe(65_536)
    expect(long).toMatch(/cut to fit a GitHub comment/)
  })
})
