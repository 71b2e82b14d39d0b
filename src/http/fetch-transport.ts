// The pipeline behind a Fetch handler: a Request in, a Response out. Tests send requests in process through it, and
// an app that speaks Fetch (Hono's `app.mount`) can mount the pipeline with it. It translates, and decides nothing.
import { ClientClosedError } from '../util/client-closed.js'
import { headersToWrite, type HttpReply, type HttpRequest } from './exchange.js'
import type { Pipeline } from './pipeline.js'

async function readAtMost(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array | undefined> {
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const read = await reader.read().catch((error: unknown) => {
      throw new ClientClosedError(error)
    })
    if (read.done) break
    size += read.value.length
    if (size > maxBytes) {
      void reader.cancel().catch(() => undefined)
      return undefined
    }
    chunks.push(read.value)
  }
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks, size)
}

class FetchRequest implements HttpRequest {
  readonly method: string
  readonly path: string
  readonly search: string
  readonly authority: string
  readonly scheme: 'http' | 'https'
  readonly #request: Request

  constructor(request: Request) {
    this.#request = request
    this.method = request.method
    const url = new URL(request.url)
    this.path = url.pathname
    this.search = url.search.slice(1)
    this.authority = url.host
    this.scheme = url.protocol === 'https:' ? 'https' : 'http'
  }

  header(name: string): string | undefined {
    return this.#request.headers.get(name) ?? undefined
  }

  body(maxBytes: number): Promise<Uint8Array | undefined> {
    const declared = this.#request.headers.get('content-length')
    if (declared !== null && this.#request.headers.get('transfer-encoding') === null && Number(declared) > maxBytes) return Promise.resolve(undefined)
    const body = this.#request.body
    return body === null ? Promise.resolve(new Uint8Array(0)) : readAtMost(body, maxBytes)
  }
}

function toResponse(reply: HttpReply): Response {
  const hasNoBody = reply.body === '' && (reply.status === 204 || reply.status === 304 || reply.status < 200)
  return new Response(hasNoBody ? null : reply.body, { status: reply.status, headers: headersToWrite(reply) })
}

/** A Fetch handler answering every request through `pipeline`. A 499 (the client went away) becomes an empty 499. */
export function fetchHandler(pipeline: Pipeline): (request: Request) => Promise<Response> {
  return async (request) => {
    const reply = await pipeline.dispatch(new FetchRequest(request))
    return reply.status === 499 ? new Response(null, { status: 499 }) : toResponse(reply)
  }
}

/** `fetch` with Hono's `app.request` conveniences: a path alone is on http://localhost. */
export function requester(handle: (request: Request) => Promise<Response>): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  return (input, init) => {
    if (input instanceof Request) return handle(init === undefined ? input : new Request(input, init))
    const url = typeof input === 'string' && input.startsWith('/') ? `http://localhost${input}` : input
    // Node's fetch wants `duplex` for a streamed body.
    const withDuplex = init?.body instanceof ReadableStream ? ({ ...init, duplex: 'half' } as RequestInit) : init
    return handle(new Request(url, withDuplex))
  }
}
