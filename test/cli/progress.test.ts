// The progress line: on a terminal's stderr only, after a delay, redrawn at a bounded rate, cleared at the end.
import { describe, expect, it } from 'vitest'
import { progressLine } from '../../src/cli/progress.js'

function terminal(isErrTty: boolean) {
  const written: string[] = []
  let now = 0
  return { io: { err: (text: string) => written.push(text), isErrTty }, written, clock: () => now, advance: (ms: number) => (now += ms) }
}

describe('progressLine', () => {
  it('draws nothing for the first half second, then at most every 200 ms, each time over the last line, and clears it when done', () => {
    const { io, written, clock, advance } = terminal(true)
    const line = progressLine(io, false, clock)
    line.update('copying users: 1 of 3')
    advance(600)
    line.update('copying users: 2 of 3')
    advance(100)
    line.update('copying users: 3 of 3')
    advance(100)
    line.update('copying groups: 1 of 1')
    line.done()
    expect(written).toEqual(['\r\x1b[2Kcopying users: 2 of 3', '\r\x1b[2Kcopying groups: 1 of 1', '\r\x1b[2K'])
  })

  it.each([
    ['stderr is not a terminal', false, false],
    ['--quiet', true, true],
  ])('prints nothing when %s', (_case, isErrTty, isQuiet) => {
    const { io, written, clock, advance } = terminal(isErrTty)
    const line = progressLine(io, isQuiet, clock)
    advance(5000)
    line.update('copying users: 1 of 3')
    line.done()
    expect(written).toEqual([])
  })
})
