// Runs the rolecall CLI in this process, then prints its user and system seconds and peak RSS in KiB on stderr, as
// `/usr/bin/time -f '%U %S %M'` would (where /usr/bin/time is missing).
import { main } from '../../dist/cli/main.js'

const args = process.argv.slice(2)
// The first argument is bin/rolecall.js (as for /usr/bin/time): the CLI's own arguments follow it.
process.exitCode = await main(args.slice(1))
process.on('exit', () => {
  const usage = process.resourceUsage()
  process.stderr.write(`\n${usage.userCPUTime / 1e6} ${usage.systemCPUTime / 1e6} ${usage.maxRSS}\n`)
})
