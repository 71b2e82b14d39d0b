// Debian's Chromium driven by playwright-core for the explorer's browser tests: never a downloaded browser, a fresh
// profile each time, and axe-core run in the page to find accessibility violations.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

export const chromiumPath = '/usr/bin/chromium'

const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** A headless Chromium with a fresh user-data dir; fails loudly when Debian's chromium package is not installed. */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  if (!existsSync(chromiumPath)) throw new Error(`Chromium is missing at ${chromiumPath}: install Debian's chromium package (apt-get install -y chromium), as .ci/run does`)
  const profile = mkdtempSync(join(tmpdir(), 'rolecall-chromium-'))
  // bypassCSP only so that the test can add axe-core to the page; the pages themselves run under their CSP.
  const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, args: chromiumArgs, bypassCSP: true, viewport: { width: 1280, height: 900 } })
  return {
    context,
    close: async () => {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source

export type AxeViolation = { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }

/** axe-core's violations of impact serious or critical on the page as it is now. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: axeSource })
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe
    return (await axe.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'] })).violations
  })
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical').map(({ id, impact, help, nodes }) => ({ id, impact, help, nodes: nodes.map((node) => ({ target: node.target })) }))
}
