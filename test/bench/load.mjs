// Load tests of a server process: start it, drive it with autocannon from this process, stop it.
import { spawn } from 'node:child_process'
import autocannon from 'autocannon'
import { repoRoot } from './lib.mjs'

/** Start `node args…` and resolve once it logs its JSON `listening` line. */
export function startProcess(args) {
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let buffer = ''
    let isListening = false
    child.stdout.on('data', (chunk) => {
      if (isListening) return
      buffer += chunk.toString()
      for (const line of buffer.split('\n')) {
        try {
          const entry = JSON.parse(line)
          if (entry.msg === 'listening') {
            isListening = true
            resolve({ child, url: `http://127.0.0.1:${entry.port}` })
          }
        } catch {}
      }
    })
    child.on('exit', (code) => isListening || reject(new Error(`server exited with ${code}`)))
  })
}

export async function stopProcess({ child }) {
  if (child.exitCode !== null) return
  const exited = new Promise((resolve) => child.on('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

/** Warm up for a second, then load for `duration` seconds; req/s (mean), p50, p99 and failures. */
export async function measure(name, options, { connections = 50, duration = 6 } = {}) {
  const load = (extra) => new Promise((resolve, reject) => autocannon({ connections, pipelining: 1, ...options, ...extra }, (error, result) => (error ? reject(error) : resolve(result))))
  await load({ duration: 1 })
  const result = await load({ duration })
  return { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, bad: result.non2xx + result.errors + result.timeouts }
}
