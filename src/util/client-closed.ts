// A client that goes away before it has sent its whole request body. Reading the body is the only step that
// fails because of the connection itself, so a failed read is the client's doing, never the server's.
//
// The choice, the same on every route (the pipeline makes it, in http/pipeline.ts): such a request is recorded with
// status 499 (nginx's "client closed request"): one info-level request line and a count under 499 in /metrics,
// never a 500, never an error-level line with a stack. Nobody receives the 499: the socket is gone.

export const clientClosedStatus = 499

/** The client stopped sending its request body (the connection was closed or reset mid-body). */
export class ClientClosedError extends Error {
  constructor(cause: unknown) {
    super('the client closed the connection before sending the whole body', { cause })
    this.name = 'ClientClosedError'
  }
}
