// The token of an Authorization header, for the SCIM, admin and check APIs alike.

/** The token of `Bearer <token>` (the scheme in any case, RFC 7235 §2.1); undefined for no header or another form. */
export function bearerToken(header: string | undefined): string | undefined {
  return header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1]
}
