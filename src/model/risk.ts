// Risk levels and the rules that raise them.

export const riskLevels = ['low', 'medium', 'high', 'critical'] as const
export type Risk = (typeof riskLevels)[number]

/** Position of a risk in the order low < medium < high < critical. */
export function riskRank(risk: Risk): number {
  return riskLevels.indexOf(risk)
}

/** `risk` raised by `levels`, capped at critical. */
export function raiseRisk(risk: Risk, levels: number): Risk {
  return riskLevels[Math.min(riskLevels.length - 1, riskRank(risk) + Math.max(0, levels))] ?? 'critical'
}

/** The higher of two risks. */
export function maxRisk(a: Risk, b: Risk): Risk {
  return riskRank(a) >= riskRank(b) ? a : b
}

/** True when `risk` is at least `floor`. */
export function isAtLeast(risk: Risk, floor: Risk): boolean {
  return riskRank(risk) >= riskRank(floor)
}
