// A provenance chain drawn as a diagram (inline SVG, styled by the stylesheet): one box per step, top to bottom.
import type { FC } from 'hono/jsx'
import { formatStep } from '../engine/chain.js'
import type { Chain } from '../engine/types.js'

const boxWidth = 560
const boxHeight = 30
const gap = 18

/** The text of a box, cut to what fits its width (the full text is the box's title and the chain's text). */
function fitted(text: string): string {
  return text.length <= 80 ? text : `${text.slice(0, 79)}…`
}

export const ChainDiagram: FC<{ chain: Chain; held?: string; label: string }> = ({ chain, held, label }) => {
  const texts = [...chain.map(formatStep), ...(held === undefined ? [] : [held])]
  const height = texts.length * (boxHeight + gap) - gap + 2
  return (
    <svg class="chain-diagram" role="img" aria-label={label} viewBox={`0 0 ${boxWidth + 2} ${height}`} width={boxWidth + 2} height={height}>
      {texts.map((text, index) => {
        const y = 1 + index * (boxHeight + gap)
        return (
          <g>
            <title>{text}</title>
            <rect class="node" x="1" y={y} width={boxWidth} height={boxHeight} rx="4" />
            <text x="10" y={y + 20}>
              {fitted(text)}
            </text>
            {index + 1 < texts.length ? <path class="edge" d={`M ${boxWidth / 2} ${y + boxHeight} v ${gap - 4} m -4 -4 l 4 4 l 4 -4`} /> : null}
          </g>
        )
      })}
    </svg>
  )
}
