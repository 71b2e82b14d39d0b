#!/usr/bin/env node
// Entry point of the `rolecall` command: runs the compiled CLI. main() prints every failure of a command as one
// line; what is caught here (a missing build, a failure outside any command) is printed the same way.
let cli
try {
  cli = await import('../dist/cli/main.js')
} catch (error) {
  const unbuilt = error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('/dist/')
  process.stderr.write(unbuilt ? 'rolecall: the compiled CLI (dist/) is missing or incomplete; run `npm run build`\n' : `rolecall: cannot load the CLI: ${error?.message ?? error}\n`)
  const debug = process.env.ROLECALL_DEBUG
  if (debug !== undefined && !['', '0', 'false'].includes(debug.toLowerCase())) process.stderr.write(`${error?.stack ?? error}\n`)
  process.exit(1)
}

// A failure outside the command's own await (an 'error' event no one listens to, a promise no one awaits).
// A server cannot be run again to see where it failed: its crashes keep their stack.
const fatal = (error) => {
  const env = process.argv[2] === 'serve' ? { ...process.env, ROLECALL_DEBUG: '1' } : process.env
  process.stderr.write(cli.describeFailure(error, env))
  process.exit(1)
}
process.on('uncaughtException', fatal)
process.on('unhandledRejection', fatal)

try {
  process.exitCode = await cli.main(process.argv.slice(2))
} catch (error) {
  process.stderr.write(cli.describeFailure(error, process.env))
  process.exitCode = 1
}
