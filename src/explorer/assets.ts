// The explorer's stylesheet and its one optional script, served from the package under content-hashed paths.
import { createHash } from 'node:crypto'

const css = `
:root { --ink: #1b1f24; --muted: #4a535e; --line: #c9d1d9; --bg: #ffffff; --panel: #f4f6f8; --link: #0b57d0; --focus: #b35c00;
  --low: #2f6f3e; --medium: #8a5a00; --high: #b3261e; --critical: #6d1b7b; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 8px; top: 8px; background: var(--bg); padding: 4px 8px; z-index: 1; }
header.site { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: 8px; padding: 8px 16px; border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; font-size: 1.2rem; }
.who { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
.who form { margin: 0; }
nav ul { list-style: none; margin: 0; padding: 8px 16px; display: flex; flex-wrap: wrap; gap: 4px 16px; border-bottom: 1px solid var(--line); background: var(--panel); }
nav a[aria-current="page"] { font-weight: 700; color: var(--ink); }
main { padding: 16px; max-width: 1200px; }
h1 { font-size: 1.6rem; margin: 0 0 12px; }
h2 { font-size: 1.25rem; margin: 24px 0 8px; }
h3 { font-size: 1.05rem; margin: 16px 0 4px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); overflow-wrap: break-word; }
th { background: var(--panel); }
.table-wrap { overflow-x: auto; }
form.search { display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-end; margin: 8px 0 16px; }
form.search label { display: flex; flex-direction: column; font-size: 0.9rem; color: var(--muted); }
input, select, button { font: inherit; padding: 6px 8px; border: 1px solid var(--muted); border-radius: 4px; background: var(--bg); color: var(--ink); }
button { cursor: pointer; background: var(--panel); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 12px; background: var(--panel); }
.card .figure { font-size: 1.8rem; font-weight: 700; }
.risk { font-weight: 700; }
.risk-low { color: var(--low); } .risk-medium { color: var(--medium); } .risk-high { color: var(--high); } .risk-critical { color: var(--critical); }
svg .bar-low { fill: var(--low); } svg .bar-medium { fill: var(--medium); } svg .bar-high { fill: var(--high); } svg .bar-critical { fill: var(--critical); }
svg text { fill: var(--ink); font-size: 12px; }
svg .node { fill: var(--panel); stroke: var(--muted); }
svg .edge { stroke: var(--muted); fill: none; }
.chain-diagram { max-width: 100%; height: auto; }
.notice { border-left: 4px solid var(--medium); background: var(--panel); padding: 8px 12px; }
.error { border-left-color: var(--high); }
.secret { font-family: ui-monospace, monospace; overflow-wrap: anywhere; background: var(--panel); padding: 8px; }
.pager { display: flex; gap: 16px; margin: 8px 0; }
.muted { color: var(--muted); }
code { font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
@media (max-width: 600px) { main { padding: 8px; } th, td { padding: 4px; } }
`

const js = `
// Progressive enhancement only: every page reads and works without it.
document.querySelectorAll('[data-copy]').forEach(function (button) {
  button.hidden = false
  button.addEventListener('click', function () {
    var target = document.getElementById(button.getAttribute('data-copy'))
    if (target && navigator.clipboard) navigator.clipboard.writeText(target.textContent.trim()).then(function () { button.textContent = 'Copied' })
  })
})
`

function hashed(name: string, extension: string, body: string): string {
  return `/assets/${name}-${createHash('sha256').update(body).digest('hex').slice(0, 12)}.${extension}`
}

export const assetPaths = { css: hashed('explorer', 'css', css), js: hashed('explorer', 'js', js) } as const

/** The assets by path: body and content type. */
export const assets: ReadonlyMap<string, { body: string; contentType: string }> = new Map([
  [assetPaths.css, { body: css, contentType: 'text/css; charset=UTF-8' }],
  [assetPaths.js, { body: js, contentType: 'text/javascript; charset=UTF-8' }],
])
