// A request body read straight from Node's request, for the routes answered before Hono (direct-check.ts,
// direct-scim-writes.ts).
import type { IncomingMessage } from 'node:http'
import { ClientClosedError } from '../util/client-closed.js'

/** The body as text, or undefined once it grows past `maxBytes` (the rest is left unread); rejects if the client goes. */
export function readRequestBody(request: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    // Gone while the token was being checked: 'close' has been emitted already.
    if (request.destroyed) return reject(new ClientClosedError(undefined))
    const chunks: Buffer[] = []
    let size = 0
    let isDone = false
    request.on('close', () => {
      if (!isDone) reject(new ClientClosedError(undefined))
    })
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) {
        isDone = true
        request.off('data', onData)
        request.resume()
        resolve(undefined)
        return
      }
      chunks.push(chunk)
    }
    request.on('data', onData)
    request.on('end', () => {
      isDone = true
      resolve(chunks.length === 1 ? (chunks[0]?.toString('utf8') ?? '') : Buffer.concat(chunks).toString('utf8'))
    })
    request.on('error', (error) => reject(new ClientClosedError(error)))
  })
}
