// A pino destination that gathers log lines and writes them to a file descriptor in batches.
import { writeSync } from 'node:fs'

/**
 * Each line is encoded once, straight into a reusable buffer: a request costs one UTF-8 write into memory, not a
 * join of the batch and a second copy into a new Buffer (nor a measure of the whole pending buffer, as
 * sonic-boom's `minLength` does on every line). A batch is written, in order, once `minLength` bytes wait or on
 * `flush()`. A full non-blocking pipe keeps the rest for the next flush instead of stalling the server.
 */
export class LogBuffer {
  private buffer: Buffer
  /** Bytes of `buffer` waiting to be written. */
  private used = 0

  constructor(
    private readonly fd: number,
    private readonly minLength = 8 * 1024,
  ) {
    this.buffer = Buffer.allocUnsafe(Math.max(2 * minLength, 16 * 1024))
  }

  /** pino's destination interface. */
  write(line: string): boolean {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (this.used + 3 * line.length > this.buffer.length) this.makeRoom(3 * line.length)
    this.used += this.buffer.write(line, this.used)
    if (this.used >= this.minLength) this.flush()
    return true
  }

  /** Writes what waits, then grows the buffer if `bytes` still do not fit (a full pipe, or a huge line). */
  private makeRoom(bytes: number): void {
    this.flush()
    if (this.used + bytes <= this.buffer.length) return
    const grown = Buffer.allocUnsafe(2 * (this.used + bytes))
    this.buffer.copy(grown, 0, 0, this.used)
    this.buffer = grown
  }

  /** Writes what waits; returns false when the descriptor would block and bytes are still waiting. */
  flush(): boolean {
    let offset = 0
    while (offset < this.used) {
      try {
        offset += writeSync(this.fd, this.buffer, offset, this.used - offset)
      } catch (error) {
        // Logging must never take the server down: a full pipe waits for the next flush, other errors drop the batch.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') break
        this.buffer.copy(this.buffer, 0, offset, this.used)
        this.used -= offset
        return false
      }
    }
    this.used = 0
    return true
  }

  /** Writes everything before returning (shutdown, fatal errors), waiting a little for a full pipe. */
  flushSync(): void {
    for (let attempt = 0; attempt < 100 && !this.flush(); attempt++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10)
  }
}
