// What the server writes when Node's HTTP parser refuses a request: 414 or 431 for a head over the limit, 408 for a
// slow client, 400 for anything malformed, each an RFC 7644 error body.
import { describe, expect, it } from 'vitest'
import { clientErrorMessage, clientErrorResponse, requestLineOf, type ClientErrorContext } from '../../src/http/client-error.js'

const limit = 16_384
const base: ClientErrorContext = { code: 'HPE_HEADER_OVERFLOW', rawPacket: undefined, hasRequest: false, maxHeaderSize: limit, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 }
const packet = (text: string) => Buffer.from(text, 'latin1')
const longFilter = `filter=${encodeURIComponent(`userName eq "${'a'.repeat(20_000)}"`)}`
const head = (lines: string[]) => packet(`${lines.join('\r\n')}\r\n`)

describe('client error responses', () => {
  it.each([
    ['a request line cut short by the limit on Users', packet(`GET /scim/v2/Users?${longFilter}`), 414, 'invalidFilter', 'POST /scim/v2/Users/.search (RFC 7644 §3.4.3)'],
    ['a request line cut short by the limit on Groups', packet(`GET /scim/v2/Groups?${longFilter}`), 414, 'invalidFilter', 'POST /scim/v2/Groups/.search (RFC 7644 §3.4.3)'],
    ['an absolute-form request target', packet(`GET http://rolecall.example.com/scim/v2/Groups?${longFilter}`), 414, 'invalidFilter', 'POST /scim/v2/Groups/.search'],
    ['a complete request line over half the limit', head([`GET /scim/v2/Users?filter=${'b'.repeat(9000)} HTTP/1.1`, `cookie: ${'c'.repeat(8000)}`]), 414, 'invalidFilter', 'POST /scim/v2/Users/.search'],
    ['a long URI off the SCIM endpoint', packet(`GET /api/v1/users/${'d'.repeat(20_000)}`), 414, undefined, 'request URI exceeds the 16384-byte limit on the request line and headers together (RFC 9110 §15.5.15)'],
    ['a short request line and large headers', head(['GET /scim/v2/Users HTTP/1.1', `cookie: ${'e'.repeat(20_000)}`]), 431, undefined, 'request header fields exceed the 16384-byte limit on the request line and headers together (RFC 6585 §5)'],
    ['a packet that starts mid-header', packet(`${'f'.repeat(20_000)}\r\n`), 431, undefined, '(RFC 6585 §5)'],
    ['no packet at all', undefined, 431, undefined, '(RFC 6585 §5)'],
  ])('answers %s with %i', (_, rawPacket, status, scimType, detail) => {
    const response = clientErrorResponse({ ...base, rawPacket })
    expect(response?.status).toBe(status)
    expect(response?.scimType).toBe(scimType)
    expect(response?.detail).toContain(detail)
  })

  it('tells a slow client which of its timeouts ran out', () => {
    const timeout = { ...base, code: 'ERR_HTTP_REQUEST_TIMEOUT' }
    expect(clientErrorResponse({ ...timeout, hasRequest: true })).toEqual({ status: 408, detail: 'the request was not received in full within 30 s' })
    expect(clientErrorResponse(timeout)).toEqual({ status: 408, detail: "the request's headers were not received within 10 s" })
    expect(clientErrorResponse({ ...timeout, headersTimeoutMs: 1500, requestTimeoutMs: 2500 })?.detail).toBe("the request's headers were not received within 1.5 s")
  })

  it('answers other parse errors with 400, and a reset connection not at all', () => {
    expect(clientErrorResponse({ ...base, code: 'HPE_INVALID_METHOD' })).toEqual({ status: 400, detail: 'the request is not valid HTTP/1.1' })
    expect(clientErrorResponse({ ...base, code: undefined })).toEqual({ status: 400, detail: 'the request is not valid HTTP/1.1' })
    expect(clientErrorResponse({ ...base, code: 'HPE_CHUNK_EXTENSIONS_OVERFLOW' })?.status).toBe(413)
    expect(clientErrorResponse({ ...base, code: 'ECONNRESET' })).toBeUndefined()
    expect(clientErrorResponse({ ...base, code: 'EPIPE' })).toBeUndefined()
  })

  it('reads the request line only where a packet starts with one', () => {
    expect(requestLineOf(packet('GET /scim/v2/Users?filter=x HTTP/1.1\r\nhost: a\r\n'))).toEqual({ target: '/scim/v2/Users?filter=x', length: 37, isComplete: true })
    expect(requestLineOf(packet('PATCH /scim/v2/Groups/g1'))).toEqual({ target: '/scim/v2/Groups/g1', length: 24, isComplete: false })
    expect(requestLineOf(packet(': not a request line'))).toBeUndefined()
    expect(requestLineOf(undefined)).toBeUndefined()
  })

  it('writes a whole HTTP/1.1 message that closes the connection, with a SCIM error body', () => {
    const response = { status: 414 as const, scimType: 'invalidFilter' as const, detail: 'use POST /scim/v2/Users/.search (RFC 7644 §3.4.3)' }
    const body = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"414","scimType":"invalidFilter","detail":"use POST /scim/v2/Users/.search (RFC 7644 §3.4.3)"}'
    expect(clientErrorMessage(response, new Date('2026-01-02T03:04:05Z'))).toBe(
      [
        'HTTP/1.1 414 URI Too Long',
        'Content-Type: application/scim+json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Date: Fri, 02 Jan 2026 03:04:05 GMT',
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    )
    expect(clientErrorMessage({ status: 408, detail: 'late' }, new Date(0))).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n[^]*\r\n\r\n\{"schemas":\["urn:ietf:params:scim:api:messages:2\.0:Error"\],"status":"408","detail":"late"\}$/)
  })
})
