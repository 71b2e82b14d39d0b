import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LogBuffer } from '../../src/server/log-buffer.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function tempFile(): { path: string; fd: number } {
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-log-'))
  dirs.push(dir)
  const path = join(dir, 'log')
  return { path, fd: openSync(path, 'w') }
}

describe('log-buffer', () => {
  it('holds lines until minLength characters wait, then writes them in order', () => {
    const { path, fd } = tempFile()
    const buffer = new LogBuffer(fd, 20)
    buffer.write('{"n":1}\n')
    buffer.write('{"n":2}\n')
    expect(readFileSync(path, 'utf8')).toBe('')
    buffer.write('{"n":3}\n')
    expect(readFileSync(path, 'utf8')).toBe('{"n":1}\n{"n":2}\n{"n":3}\n')
    buffer.write('{"n":"é"}\n')
    buffer.flushSync()
    expect(readFileSync(path, 'utf8')).toBe('{"n":1}\n{"n":2}\n{"n":3}\n{"n":"é"}\n')
    closeSync(fd)
  })

  it('takes lines longer than its buffer, and multi-byte text, whole and in order', () => {
    const { path, fd } = tempFile()
    const buffer = new LogBuffer(fd, 64)
    const long = `{"msg":"${'ü€'.repeat(40_000)}"}\n`
    const lines = ['{"n":1}\n', long, '{"n":"日本"}\n', long, '{"n":4}\n']
    for (const line of lines) buffer.write(line)
    buffer.flushSync()
    expect(readFileSync(path, 'utf8')).toBe(lines.join(''))
    closeSync(fd)
  })

  it('drops a batch it cannot write instead of throwing', () => {
    const { fd } = tempFile()
    closeSync(fd)
    const buffer = new LogBuffer(fd, 1)
    expect(() => buffer.write('line\n')).not.toThrow()
  })
})
