// Worker thread: checkpoints the WAL in the background so that the serving thread never stalls on it.
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'

type Options = { path: string; intervalMs: number }

const { path, intervalMs } = workerData as Options
const db = new Database(path)
db.pragma('busy_timeout = 1000')
// FULL: the checkpoint fsyncs the database file before SQLite lets the writer reuse the WAL.
db.pragma('synchronous = FULL')

function checkpoint(): void {
  try {
    db.pragma('wal_checkpoint(PASSIVE)')
  } catch {
    // Busy or locked: the next tick tries again.
  }
}

const timer = setInterval(checkpoint, intervalMs)
parentPort?.on('message', (message: unknown) => {
  if (message !== 'stop') return
  clearInterval(timer)
  db.close()
  parentPort?.postMessage('stopped')
  parentPort?.close()
})
