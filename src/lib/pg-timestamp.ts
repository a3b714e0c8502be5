/**
 * A timestamptz as both drivers hand it over when asked for text ('2026-01-19 08:00:00.123456+00'
 * in a UTC session) → what Date#toISOString() writes (milliseconds, truncated, as Date parsing
 * truncates). The UTC form is sliced; other offsets and eras go through Date.
 */
export function isoFromPg(s: string | null): string | null {
  if (s === null) return null
  if (s.length >= 22 && s.length <= 29 && s[10] === ' ' && s.endsWith('+00')) {
    return `${s.slice(0, 10)}T${s.slice(11, 19)}${(s.slice(19, -3) || '.').padEnd(4, '0').slice(0, 4)}Z`
  }
  return new Date(s).toISOString()
}
