// Drives the web explorer in process (app.request): a sign-in form's token and cookie, a signed-in session's cookie.
type Requester = (input: string, init?: RequestInit) => Promise<Response>

/** `name=value` of a Set-Cookie header. */
export function cookiePair(response: Response): string {
  return (response.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
}

/** The value of the hidden `csrf` field of the first form on a page. */
export function csrfOf(html: string): string {
  return /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? ''
}

/** Posts a form (urlencoded) with a cookie, as a browser on this site would. */
export function postForm(request: Requester, path: string, fields: Record<string, string>, cookie: string): Promise<Response> {
  return request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: 'http://localhost' }, body: new URLSearchParams(fields).toString() })
}

/** Signs in with `token` through the form; the response of the form's POST. */
export async function submitSignIn(request: Requester, token: string): Promise<Response> {
  const form = await request('/sign-in')
  return postForm(request, '/sign-in', { csrf: csrfOf(await form.text()), token, next: '/' }, cookiePair(form))
}

/** A signed-in session: `get` sends its cookie; `csrf` is its form token. */
export async function signIn(request: Requester, token: string): Promise<{ cookie: string; get: (path: string) => Promise<Response>; csrf: () => Promise<string> }> {
  const response = await submitSignIn(request, token)
  if (response.status !== 303) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`)
  const cookie = cookiePair(response)
  const get = (path: string) => request(path, { headers: { cookie, accept: 'text/html' } })
  return { cookie, get, csrf: async () => csrfOf(await (await get('/')).text()) }
}
