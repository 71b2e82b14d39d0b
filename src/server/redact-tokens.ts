// Keeps rolecall tokens out of logged paths. Tokens travel in the Authorization header, which is never logged, but
// a misconfigured IdP or CI base URL can carry one in the path (`https://host/scim/v2/rcs_…/Users`).
//
// A token is `rcs_` (SCIM) or `rca_` (admin API), as the store makes them, and 43
// base64url characters. Anything that starts like one is redacted, however long: a truncated or mangled token is
// still most of a secret. Hono has decoded the path (`%5F` is `_`), except around a malformed %-escape, where it
// leaves the path as sent; so the escaped underscore is matched too.
const tokenShape = /(rc[sa])(?:_|%5f)[a-z0-9_-]+/gi

/** `path` with every token-shaped run replaced by `rcs_…redacted` / `rca_…redacted`. */
export function redactTokens(path: string): string {
  // The common path holds no "rc" in any case: one quick test before the replacing one.
  return /rc/i.test(path) ? path.replace(tokenShape, '$1_…redacted') : path
}
