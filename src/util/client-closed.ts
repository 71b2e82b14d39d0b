// A client that goes away before it has sent its whole request body. Reading the body is the only step that
// fails because of the connection itself, so a failed read is the client's doing, never the server's.
//
// The choice, the same on every route (SCIM, the admin API, /api/v1/check, direct or routed): such a request is
// recorded with status 499 (nginx's "client closed request"): one info-level request line and a count under 499
// in /metrics, never a 500, never an error-level line with a stack. Nobody receives the 499: the socket is gone.
import type { Context } from 'hono'

export const clientClosedStatus = 499

/** The client stopped sending its request body (the connection was closed or reset mid-body). */
export class ClientClosedError extends Error {
  constructor(cause: unknown) {
    super('the client closed the connection before sending the whole body', { cause })
    this.name = 'ClientClosedError'
  }
}

/** The response a request whose client went away is recorded with. */
export function clientClosedResponse(): Response {
  return new Response(null, { status: clientClosedStatus })
}

/** The request body as text; a read that fails is a ClientClosedError. */
export async function requestText(c: Context): Promise<string> {
  try {
    return await c.req.text()
  } catch (error) {
    throw new ClientClosedError(error)
  }
}
