// rolecall demo: the product's loop on a temporary store, with no IdP needed.
import { runDemo } from '../../demo/demo.js'
import { renderDriftText } from '../../render/drift.js'
import { renderPlanMarkdown } from '../../render/plan-markdown.js'
import type { Io } from '../io.js'
import type { Parsed } from '../spec.js'
import type { demoSpec } from '../specs/inspect.js'
import { accessDirOption } from './validate.js'

export async function run({ values }: Parsed<typeof demoSpec>, io: Io): Promise<number> {
  const dir = await accessDirOption(values.dir, io)
  const steps = await runDemo(dir, (plan) => renderPlanMarkdown(plan), renderDriftText)
  steps.forEach((step, index) => {
    io.out(`\n━━ ${index + 1}. ${step.title}\n\n${step.body.trimEnd()}\n`)
  })
  io.out('\nThe temporary store is gone. Run `npm start` for a server that keeps its data in ./data.\n')
  return 0
}
