// GET /api/v1/openapi.json: the API's OpenAPI 3.1 description, openapi/rolecall.json as the repository keeps it.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { reply, type HttpReply } from '../http/exchange.js'
import type { Route } from '../http/pipeline.js'

/** The description's file: the one a test holds every route and answer of the server to. */
export const openApiPath = fileURLToPath(new URL('../../openapi/rolecall.json', import.meta.url))

let document: { text: string; bytes: number } | undefined

/** Read once, on the first request, and sent as it is. */
function openApiReply(): HttpReply {
  if (document === undefined) {
    const text = readFileSync(openApiPath, 'utf8')
    document = { text, bytes: Buffer.byteLength(text) }
  }
  return reply(200, { 'content-type': 'application/json' }, document.text, document.bytes)
}

/** Without a token: the description says what the API is, and nothing about any organization. */
export const openApiRoute: Route = { method: 'GET', path: '/openapi.json', handle: openApiReply }
