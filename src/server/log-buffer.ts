// A pino destination that gathers log lines and writes them to a file descriptor in batches.
import { writeSync } from 'node:fs'

/**
 * Lines are kept as strings and joined once per write: a request costs a push, not a copy or a measure of the
 * whole pending buffer (as sonic-boom's `minLength` does on every line). A batch is written, in order, once
 * `minLength` characters wait or on `flush()`. A full non-blocking pipe keeps the rest for the next flush
 * instead of stalling the server.
 */
export class LogBuffer {
  private lines: string[] = []
  private pending = 0
  /** Bytes a full pipe did not take, written first next time. */
  private rest: Buffer | undefined

  constructor(
    private readonly fd: number,
    private readonly minLength = 8 * 1024,
  ) {}

  /** pino's destination interface. */
  write(line: string): boolean {
    this.lines.push(line)
    this.pending += line.length
    if (this.pending >= this.minLength) this.flush()
    return true
  }

  /** Writes what waits; returns false when the descriptor would block and lines are still waiting. */
  flush(): boolean {
    if (this.pending === 0 && this.rest === undefined) return true
    const text = Buffer.from(this.lines.join(''))
    const data = this.rest === undefined ? text : Buffer.concat([this.rest, text])
    this.lines = []
    this.pending = 0
    this.rest = undefined
    let offset = 0
    while (offset < data.length) {
      try {
        offset += writeSync(this.fd, data, offset, data.length - offset)
      } catch (error) {
        // Logging must never take the server down: a full pipe waits for the next flush, other errors drop the batch.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return true
        this.rest = data.subarray(offset)
        return false
      }
    }
    return true
  }

  /** Writes everything before returning (shutdown, fatal errors), waiting a little for a full pipe. */
  flushSync(): void {
    for (let attempt = 0; attempt < 100 && !this.flush(); attempt++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10)
  }
}
