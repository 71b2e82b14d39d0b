// Failures of the program or its environment. Problems in the user's files are Diagnostics, never these.

/** Base class: every rolecall failure that `cli/main.ts` can print as one line. */
export class RolecallError extends Error {
  override name = 'RolecallError'
}

/** Bad command line: exit 1 with a pointer to --help. */
export class UsageError extends RolecallError {
  override name = 'UsageError'
}

/** The store could not be opened, read or written. Wrap the driver error as `cause`. */
export class StoreError extends RolecallError {
  override name = 'StoreError'
}

/**
 * A write could not take the store's write lock: another process (a long `apply --db`, a second server…) held it
 * past the deadline. Nothing of the write was done; the caller may try again (SCIM and the admin API answer 503).
 */
export class StoreBusyError extends StoreError {
  override name = 'StoreBusyError'
  /** Seconds a client should wait before trying again (the Retry-After header). */
  readonly retryAfterSeconds: number
  constructor(message: string, options: { retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1
  }
}

/** A saved plan no longer matches the store it was computed from. */
export class StalePlanError extends RolecallError {
  override name = 'StalePlanError'
}

/** A SCIM scimType (RFC 7644 §3.12, table 9). */
export type ScimErrorType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'

/** A SCIM request that cannot be served; one Hono `onError` turns it into an RFC 7644 §3.12 error body. */
export class ScimError extends RolecallError {
  override name = 'ScimError'
  constructor(
    readonly status: number,
    readonly scimType: ScimErrorType | undefined,
    readonly detail: string,
    /** Headers the response carries (Retry-After on a 503). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail)
  }
}
