/**
 * Exact money: integer minor units and ISO 4217 codes. Fractions appear only inside one
 * computation (a pro-rated month, a discount) and are rounded once, half up, at the end.
 */
let currencies: Set<string> | undefined

/** An ISO 4217 code the runtime knows (Intl's list), e.g. EUR, BGN, USD. */
export function isCurrency(code: string): boolean {
  currencies ??= new Set(Intl.supportedValuesOf('currency'))
  return /^[A-Z]{3}$/.test(code) && currencies.has(code)
}

/** numerator / denominator rounded half up (away from zero for negatives), in exact integer arithmetic. */
export function divRoundHalfUp(numerator: bigint, denominator: bigint): number {
  if (denominator <= 0n) throw new RangeError('denominator must be positive')
  const neg = numerator < 0n
  const n = neg ? -numerator : numerator
  const q = (2n * n + denominator) / (2n * denominator)
  return Number(neg ? -q : q)
}

/** A price after a whole-percent discount, rounded half up once. */
export const applyDiscount = (priceMinor: number, discountPercent: number): number =>
  divRoundHalfUp(BigInt(priceMinor) * BigInt(100 - discountPercent), 100n)

/** An exact fraction of minor units, kept as numerator/denominator until the single rounding. */
export interface Fraction {
  n: bigint
  d: bigint
}
export const ZERO: Fraction = { n: 0n, d: 1n }
export const addFractions = (a: Fraction, b: Fraction): Fraction => ({ n: a.n * b.d + b.n * a.d, d: a.d * b.d })
export const roundFraction = (f: Fraction): number => divRoundHalfUp(f.n, f.d)
