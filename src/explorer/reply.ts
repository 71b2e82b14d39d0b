// Replies of the web explorer: HTML pages with the headers that keep them to this site, redirects, downloads.
import type { HtmlEscapedString } from 'hono/utils/html'
import { reply, type HttpReply } from '../http/exchange.js'

/**
 * Sent with every explorer reply. No script or style but the package's own files (no inline script, so an injected
 * tag runs nothing), no framing, no referrer leaving the site, and nothing kept by shared caches.
 */
export const securityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // same-origin, not no-referrer: under no-referrer Chromium sends `Origin: null` with a form's POST, which the origin check refuses.
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
}

/** A rendered page: `<!DOCTYPE html>` and the element, with the security headers. */
export function pageReply(element: HtmlEscapedString | Promise<HtmlEscapedString>, status = 200, headers: Record<string, string> = {}): HttpReply {
  // Every component of the explorer is synchronous: a promise here is a programming error, not a page.
  if (element instanceof Promise) throw new Error('explorer pages render synchronously')
  return reply(status, { ...securityHeaders, 'content-type': 'text/html; charset=UTF-8', ...headers }, `<!DOCTYPE html>${String(element)}`)
}

/** 303 See Other: after a form, the browser asks for `location` with GET (RFC 9110 §15.4.4). */
export function redirectReply(location: string, headers: Record<string, string> = {}): HttpReply {
  return reply(303, { ...securityHeaders, location, ...headers }, '')
}

/** A file to save (`content-disposition: attachment`), with the security headers. */
export function downloadReply(body: string, contentType: string, fileName: string): HttpReply {
  return reply(200, { ...securityHeaders, 'content-type': contentType, 'content-disposition': `attachment; filename="${fileName}"` }, body)
}
