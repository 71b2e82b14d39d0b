// Bytes → text: the size limit, strict UTF-8 with the bad byte's line:col, and BOM removal.
import { describe, expect, it } from 'vitest'
import { decodeAccessFile, firstInvalidUtf8, maxFileBytes } from '../../src/load/text.js'

const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((part) => (typeof part === 'string' ? [...new TextEncoder().encode(part)] : part)))

describe('firstInvalidUtf8', () => {
  it.each([
    ['empty input', bytes(), -1],
    ['ASCII', bytes('kind: Role\n'), -1],
    ['two-byte é', bytes('caf', [0xc3, 0xa9]), -1],
    ['three-byte €', bytes([0xe2, 0x82, 0xac]), -1],
    ['four-byte 😀', bytes([0xf0, 0x9f, 0x98, 0x80]), -1],
    ['largest code point U+10FFFF', bytes([0xf4, 0x8f, 0xbf, 0xbf]), -1],
    ['overlong NUL (C0 80)', bytes('a', [0xc0, 0x80]), 1],
    ['overlong two-byte (C1 BF)', bytes([0xc1, 0xbf]), 0],
    ['overlong three-byte (E0 80 80)', bytes('ab', [0xe0, 0x80, 0x80]), 2],
    ['overlong three-byte for U+07FF (E0 9F BF)', bytes([0xe0, 0x9f, 0xbf]), 0],
    ['overlong four-byte (F0 80 80 80)', bytes([0xf0, 0x80, 0x80, 0x80]), 0],
    ['high surrogate U+D800 (ED A0 80)', bytes('x', [0xed, 0xa0, 0x80]), 1],
    ['low surrogate U+DFFF (ED BF BF)', bytes([0xed, 0xbf, 0xbf]), 0],
    ['above U+10FFFF (F4 90 80 80)', bytes([0xf4, 0x90, 0x80, 0x80]), 0],
    ['F5 lead byte', bytes([0xf5, 0x80, 0x80, 0x80]), 0],
    ['truncated at end of input (E2 82)', bytes('ok', [0xe2, 0x82]), 2],
    ['truncated by an ASCII byte (E2 82 41)', bytes([0xe2, 0x82, 0x41]), 0],
    ['truncated four-byte (F0 9F 98)', bytes([0xf0, 0x9f, 0x98]), 0],
    ['stray continuation byte', bytes('a', [0x80]), 1],
    ['FF byte', bytes('abc', [0xff]), 3],
    ['Latin-1 é after valid UTF-8', bytes([0xc3, 0xa9, 0xe9]), 2],
  ])('%s', (_name, input, expected) => {
    expect(firstInvalidUtf8(input)).toBe(expected)
  })
})

describe('decodeAccessFile', () => {
  it('returns the text of valid UTF-8', () => {
    expect(decodeAccessFile('a.yaml', bytes('name: Café\n'))).toEqual({ text: 'name: Café\n' })
  })

  it('strips a byte-order mark', () => {
    expect(decodeAccessFile('a.yaml', bytes([0xef, 0xbb, 0xbf], 'kind: Role\n'))).toEqual({ text: 'kind: Role\n' })
  })

  it('accepts a file of exactly the size limit', () => {
    const decoded = decodeAccessFile('big.yaml', new Uint8Array(maxFileBytes).fill(0x20))
    expect('text' in decoded && decoded.text.length).toBe(maxFileBytes)
  })

  it('refuses a file one byte over the limit, before looking at its bytes', () => {
    const decoded = decodeAccessFile('big.yaml', new Uint8Array(maxFileBytes + 1).fill(0xff))
    expect(decoded).toEqual({
      diagnostic: {
        severity: 'error',
        code: 'file-too-large',
        summary: `File is ${maxFileBytes + 1} bytes; access files may be at most ${maxFileBytes} bytes. Split it into several files.`,
        source: { file: 'big.yaml', line: 1, col: 1 },
      },
    })
  })

  it.each([
    ['on the first line', bytes('na', [0xff], 'me: x\n'), { line: 1, col: 3 }, 'ff', 2],
    ['on a later line', bytes('kind: Role\nname: Admin\ndescription: Caf', [0xe9], '\n'), { line: 3, col: 17 }, 'e9', 39],
    ['after multi-byte characters, counted as one column each', bytes('a: 1\nb: €€ ', [0xe2, 0x82], ' x\n'), { line: 2, col: 7 }, 'e2', 15],
    ['at the start of a line', bytes('a: 1\n\n', [0xc0, 0x80]), { line: 3, col: 1 }, 'c0', 6],
    ['after a byte-order mark, which takes no column', bytes([0xef, 0xbb, 0xbf], 'x', [0x80]), { line: 1, col: 2 }, '80', 4],
  ])('places an invalid byte %s', (_name, input, position, hex, offset) => {
    expect(decodeAccessFile('f.yaml', input)).toEqual({
      diagnostic: {
        severity: 'error',
        code: 'encoding',
        summary: `File is not valid UTF-8: byte 0x${hex} at offset ${offset}. Save it as UTF-8.`,
        source: { file: 'f.yaml', ...position },
      },
    })
  })
})
