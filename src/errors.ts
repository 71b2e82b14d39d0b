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
  ) {
    super(detail)
  }
}
