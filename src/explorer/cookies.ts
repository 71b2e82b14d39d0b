// Cookies of the web explorer: read from the Cookie header (RFC 6265 §5.4), written with the attributes that keep them to this site.

/** The value of cookie `name`, or undefined. */
export function cookieOf(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  for (const part of header.split(';')) {
    const at = part.indexOf('=')
    if (at !== -1 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim()
  }
  return undefined
}

/**
 * A Set-Cookie value: HttpOnly, SameSite=Strict, Path=/, and Secure when the browser reached the server over HTTPS.
 * `maxAgeSeconds` 0 deletes the cookie; undefined makes it last until the browser closes.
 */
export function setCookie(name: string, value: string, options: { isSecure: boolean; maxAgeSeconds?: number }): string {
  const parts = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict']
  if (options.isSecure) parts.push('Secure')
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${options.maxAgeSeconds}`)
  return parts.join('; ')
}
