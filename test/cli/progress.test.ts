// Progress: on a terminal's stderr only, after a delay, over one line, cleared at the end.
import { describe, expect, it } from 'vitest'
import { startProgress } from '../../src/cli/progress.js'

function terminal(isErrTty: boolean) {
  const written: string[] = []
  let now = 0
  return { io: { err: (text: string) => written.push(text), isErrTty }, text: () => written.join(''), written, clock: () => now, advance: (ms: number) => (now += ms) }
}

/** What the line shows after each redraw: cli-progress moves to column 1 (`ESC[1G`) and writes the line. */
function lines(text: string): string[] {
  return text
    .split('\x1b[1G')
    .slice(1)
    .map((part) => part.replace(/\x1b\[[0-9;]*[A-Za-z]|\x1b[78]/g, ''))
    .filter((line) => line !== '')
}

describe('startProgress', () => {
  it('draws nothing before the delay, then each step over the same line with its counts, and clears the line when done', () => {
    const { io, text, clock, advance } = terminal(true)
    const progress = startProgress(io, false, { clock, afterMs: 2000, columns: 100 })
    progress.step('loading access files')
    advance(1500)
    progress.step('copying users', { done: 1, total: 3 })
    expect(text()).toBe('')
    advance(600)
    progress.step('copying users', { done: 1500, total: 3000 })
    progress.done()
    const shown = lines(text())
    expect(shown[0]).toMatch(/^copying users \[=+-+\] 1,500 of 3,000 · \d+s$/)
    // The end: back to the saved cursor, column 1, the whole line erased (ESC[2K), and no newline left behind.
    expect(text().endsWith('\x1b8\x1b[1G\x1b[2K')).toBe(true)
    expect(text()).not.toContain('\n')
  })

  it('shows a step without counts as its label and the time taken', () => {
    const { io, text, clock, advance } = terminal(true)
    const progress = startProgress(io, false, { clock, afterMs: 10 })
    advance(20)
    progress.step('planning')
    progress.done()
    expect(lines(text())[0]).toMatch(/^planning … \d+s$/)
  })

  it.each([
    ['stderr is not a terminal', false, false],
    ['--quiet', true, true],
  ])('prints nothing when %s', (_case, isErrTty, isQuiet) => {
    const { io, written, clock, advance } = terminal(isErrTty)
    const progress = startProgress(io, isQuiet, { clock, afterMs: 0 })
    advance(5000)
    progress.step('copying users', { done: 1, total: 3 })
    progress.done()
    expect(written).toEqual([])
  })
})
