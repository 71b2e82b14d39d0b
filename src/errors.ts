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
 * The store cannot be reached or cannot serve right now (a database server restarting, a connection refused or
 * cut): nothing of the operation was done and the caller may try again. SCIM and the admin API answer 503.
 */
export class StoreUnavailableError extends StoreError {
  override name = 'StoreUnavailableError'
  /** Seconds a client should wait before trying again (the Retry-After header). */
  readonly retryAfterSeconds: number
  constructor(message: string, options: { retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1
  }
}

/**
 * A write could not take the store's write lock (or a pooled connection): another process (a long `apply --db`, a
 * second server…) held it past the deadline. Nothing of the write was done; the caller may try again.
 */
export class StoreBusyError extends StoreUnavailableError {
  override name = 'StoreBusyError'
}

/** The store cannot grow: its disk is full. Nothing of the write was done. */
export class StoreFullError extends StoreError {
  override name = 'StoreFullError'
}

/** The store is damaged (or is not a store at all); restore it from a backup. */
export class StoreCorruptError extends StoreError {
  override name = 'StoreCorruptError'
}

/** The store may be read but not written (a read-only file or a read-only database server). */
export class StoreReadOnlyError extends StoreError {
  override name = 'StoreReadOnlyError'
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
