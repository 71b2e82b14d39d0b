// Small parts shared by the explorer's pages: risk badges, the risk chart, pagers, times.
import type { Child, FC } from 'hono/jsx'
import { riskLevels, type Risk } from '../model/risk.js'

export const RiskBadge: FC<{ risk: Risk }> = ({ risk }) => <span class={`risk risk-${risk}`}>{risk}</span>

/** Counts by risk as a horizontal bar chart (inline SVG, styled by the stylesheet), with the figures as text too. */
export const RiskChart: FC<{ counts: Readonly<Record<Risk, number>>; label: string }> = ({ counts, label }) => {
  const largest = Math.max(1, ...riskLevels.map((risk) => counts[risk]))
  const row = 28
  return (
    <svg class="risk-chart" role="img" aria-label={`${label}: ${riskLevels.map((risk) => `${risk} ${counts[risk]}`).join(', ')}`} viewBox={`0 0 420 ${row * riskLevels.length}`} width="420" height={row * riskLevels.length}>
      {riskLevels.map((risk, index) => (
        <g>
          <text x="0" y={index * row + 18}>
            {risk}
          </text>
          <rect class={`bar-${risk}`} x="80" y={index * row + 6} height="16" width={Math.round((280 * counts[risk]) / largest)} />
          <text x={88 + Math.round((280 * counts[risk]) / largest)} y={index * row + 18}>
            {String(counts[risk])}
          </text>
        </g>
      ))}
    </svg>
  )
}

/** Previous and next links of a paged list; `hrefOf(page)` keeps the list's other parameters. */
export const Pager: FC<{ page: number; pageSize: number; total: number; hrefOf: (page: number) => string }> = ({ page, pageSize, total, hrefOf }) => {
  const pages = Math.max(1, Math.ceil(total / pageSize))
  return (
    <nav class="pager" aria-label="Pages">
      {page > 1 ? <a href={hrefOf(page - 1)}>← Previous</a> : null}
      <span>
        Page {String(page)} of {String(pages)} ({String(total)} in all)
      </span>
      {page < pages ? <a href={hrefOf(page + 1)}>Next →</a> : null}
    </nav>
  )
}

/** A time as UTC text, in a <time> element. */
export const Time: FC<{ at: string }> = ({ at }) => <time datetime={at}>{at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>

/** A query string of the non-empty values, for links that keep a page's filters. */
export function queryOf(values: Readonly<Record<string, string | number | undefined>>): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(values)) if (value !== undefined && value !== '') params.set(name, String(value))
  const text = params.toString()
  return text === '' ? '' : `?${text}`
}

/** The 1-based page a `page` query parameter asks for (anything else is page 1). */
export function pageNumber(text: string | undefined): number {
  const page = Number(text)
  return Number.isInteger(page) && page >= 1 && page <= 1_000_000 ? page : 1
}

/** The stable address of a person's page: their userName, and the connection where it takes one to say who. */
export function personHref(user: string, connection?: string): string {
  return `/people/${encodeURIComponent(user)}${connection === undefined ? '' : `?connection=${encodeURIComponent(connection)}`}`
}

/** A table in a box that scrolls sideways on a narrow screen: column headings, then the rows given as children. */
export const Table: FC<{ headers: readonly (string | null)[]; caption?: string; children?: Child }> = ({ headers, caption, children }) => (
  <div class="table-wrap">
    <table>
      {caption === undefined ? null : <caption class="muted">{caption}</caption>}
      <thead>
        <tr>
          {headers
            .filter((header): header is string => header !== null)
            .map((header) => (
              <th scope="col">{header}</th>
            ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  </div>
)
