// Bytes → text: size limit, strict UTF-8, BOM removed. Problems become diagnostics at the offending byte.
import type { Diagnostic } from '../diag/diagnostic.js'

/** Largest access file read, in bytes. Real access files are far smaller; this stops a stray dump or binary. */
export const maxFileBytes = 2 * 1024 * 1024

export type DecodedText = { text: string } | { diagnostic: Diagnostic }

/** Byte offset of the first invalid UTF-8 sequence, or -1 when the bytes are valid UTF-8. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i] ?? 0
    let need: number
    let min: number
    if (b < 0x80) {
      i++
      continue
    } else if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80]
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800]
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000]
    else return i
    let code = b & (0x3f >> need)
    for (let k = 1; k <= need; k++) {
      const next = bytes[i + k]
      if (next === undefined || (next & 0xc0) !== 0x80) return i
      code = (code << 6) | (next & 0x3f)
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i
    i += need + 1
  }
  return -1
}

function hasBom(bytes: Uint8Array): boolean {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf
}

/** 1-based line and column of a byte offset in valid UTF-8 bytes before it. A byte-order mark takes no column, as in editors. */
function positionOfByte(bytes: Uint8Array, offset: number): { line: number; col: number } {
  let line = 1
  let col = 1
  for (let i = hasBom(bytes) ? 3 : 0; i < offset; i++) {
    const b = bytes[i] ?? 0
    if (b === 0x0a) {
      line++
      col = 1
    } else if ((b & 0xc0) !== 0x80) col++
  }
  return { line, col }
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/** Decode an access file, or explain precisely why it cannot be read. `file` is the display path. */
export function decodeAccessFile(file: string, bytes: Uint8Array): DecodedText {
  if (bytes.length > maxFileBytes) {
    return {
      diagnostic: {
        severity: 'error',
        code: 'file-too-large',
        summary: `File is ${bytes.length} bytes; access files may be at most ${maxFileBytes} bytes. Split it into several files.`,
        source: { file, line: 1, col: 1 },
      },
    }
  }
  const bad = firstInvalidUtf8(bytes)
  if (bad >= 0) {
    const hex = (bytes[bad] ?? 0).toString(16).padStart(2, '0')
    return {
      diagnostic: {
        severity: 'error',
        code: 'encoding',
        summary: `File is not valid UTF-8: byte 0x${hex} at offset ${bad}. Save it as UTF-8.`,
        source: { file, ...positionOfByte(bytes, bad) },
      },
    }
  }
  return { text: decoder.decode(bytes) }
}
