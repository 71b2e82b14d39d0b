// The transports rolecall's server answers through, for suites that run one behaviour on each: in process (a Fetch
// Request handed to the pipeline) and on a real socket (rolecall serve's Node server on 127.0.0.1, ephemeral port).
import { request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createNodeServer } from '../../src/http/node-server.js'
import type { Pipeline } from '../../src/http/pipeline.js'
import { fetchHandler } from '../../src/http/fetch-transport.js'

/** What a client sees of an answer: the status, the headers by lower-case name, and the body as text. */
export type Answer = { status: number; headers: Record<string, string>; body: string }

export type Sent = { method?: string; headers?: Record<string, string>; body?: string | Uint8Array | AsyncIterable<Uint8Array> }

/** Sends requests to a pipeline; `authority` is the Host the client names, so that URLs in answers are the same on each. */
export type Transport = { name: string; send: (path: string, sent?: Sent) => Promise<Answer>; close: () => Promise<void> }

export const authority = 'rolecall.test:8080'

function headersOf(entries: Iterable<[string, string]>): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of entries) headers[name.toLowerCase()] = value
  return headers
}

function inProcess(pipeline: Pipeline): Transport {
  const handle = fetchHandler(pipeline)
  return {
    name: 'in process',
    send: async (path, sent = {}) => {
      const { body } = sent
      const stream =
        body === undefined || typeof body === 'string' || body instanceof Uint8Array
          ? body
          : new ReadableStream<Uint8Array>({
              async start(controller) {
                try {
                  for await (const chunk of body) controller.enqueue(chunk)
                  controller.close()
                } catch (error) {
                  controller.error(error)
                }
              },
            })
      const init = { method: sent.method ?? 'GET', headers: sent.headers ?? {}, ...(stream === undefined ? {} : { body: stream, duplex: 'half' }) } as RequestInit
      const response = await handle(new Request(`http://${authority}${path}`, init))
      const text = await response.text()
      return { status: response.status, headers: headersOf(response.headers), body: text }
    },
    close: async () => undefined,
  }
}

async function onSocket(pipeline: Pipeline): Promise<Transport> {
  const { server } = createNodeServer(pipeline, () => undefined)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    name: 'socket',
    send: (path, sent = {}) =>
      new Promise((resolve, reject) => {
        const outgoing = httpRequest({ host: '127.0.0.1', port, path, method: sent.method ?? 'GET', headers: { host: authority, ...sent.headers } }, (incoming) => {
          const chunks: Buffer[] = []
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
          incoming.on('end', () => {
            const headers: Record<string, string> = {}
            for (const [name, value] of Object.entries(incoming.headers)) if (value !== undefined) headers[name] = String(value)
            // Node adds these to every answer; a Fetch Response has no counterpart.
            for (const name of ['date', 'connection', 'keep-alive', 'transfer-encoding']) delete headers[name]
            resolve({ status: incoming.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') })
          })
          incoming.on('error', reject)
        })
        outgoing.on('error', reject)
        const { body } = sent
        if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) {
          outgoing.end(body)
          return
        }
        void (async () => {
          try {
            for await (const chunk of body) outgoing.write(chunk)
            outgoing.end()
          } catch {
            outgoing.destroy()
          }
        })()
      }),
    close: () => closeServer(server),
  }
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}

/** Each transport the server uses, by name, made for a pipeline. */
export const transports: [string, (pipeline: Pipeline) => Promise<Transport>][] = [
  ['in process', (pipeline) => Promise.resolve(inProcess(pipeline))],
  ['socket', onSocket],
]
