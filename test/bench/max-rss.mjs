// Runs the rolecall CLI in this process, then prints its peak RSS in KiB on stderr (where /usr/bin/time is missing).
import { main } from '../../dist/cli/main.js'

const args = process.argv.slice(2)
// The first argument is bin/rolecall.js (as for /usr/bin/time): the CLI's own arguments follow it.
process.exitCode = await main(args.slice(1))
process.on('exit', () => process.stderr.write(`\n${process.resourceUsage().maxRSS}\n`))
