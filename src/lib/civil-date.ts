/**
 * Calendar dates ('YYYY-MM-DD') and months ('YYYY-MM') as plain strings, with arithmetic done
 * in UTC so the server's time zone never matters.
 */
export const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/

const pad = (n: number, w = 2) => String(n).padStart(w, '0')
const toUtc = (d: string) => Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)))
const fromUtc = (ms: number) => {
  const x = new Date(ms)
  return `${pad(x.getUTCFullYear(), 4)}-${pad(x.getUTCMonth() + 1)}-${pad(x.getUTCDate())}`
}

export const monthOf = (date: string) => date.slice(0, 7)
export const daysInMonth = (month: string) => new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).getUTCDate()
export const firstDay = (month: string) => `${month}-01`
export const lastDay = (month: string) => `${month}-${pad(daysInMonth(month))}`

/** Months from a to b (positive when b is later). */
export const monthsBetween = (a: string, b: string) =>
  (Number(b.slice(0, 4)) - Number(a.slice(0, 4))) * 12 + (Number(b.slice(5, 7)) - Number(a.slice(5, 7)))

export function addMonthsToMonth(month: string, n: number): string {
  const i = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + n
  return `${pad(Math.floor(i / 12), 4)}-${pad((i % 12) + 1)}`
}

export const addDays = (date: string, n: number) => fromUtc(toUtc(date) + n * 86_400_000)


/**
 * The date n calendar months after `date`, clamped to the month's end (Jan 31 + 1 month =
 * Feb 28/29), as contracts count terms.
 */
export function addMonths(date: string, n: number): string {
  const m = addMonthsToMonth(monthOf(date), n)
  return `${m}-${pad(Math.min(Number(date.slice(8, 10)), daysInMonth(m)))}`
}

export const maxDate = (a: string, b: string) => (a > b ? a : b)
export const minDate = (a: string, b: string) => (a < b ? a : b)

// Building an Intl.DateTimeFormat costs far more than using one: one per time zone (the intake gate calls this per ticket).
const dateFormats = new Map<string, Intl.DateTimeFormat>()
// And formatting is still ~10 µs: the last answer per zone is kept for its quarter hour. Every
// zone's offset is a whole number of quarter hours, so local midnight and offset changes fall on
// quarter-hour boundaries in UTC and the date cannot change inside one.
const QUARTER_HOUR = 15 * 60_000
const lastDates = new Map<string, { quarter: number; date: string }>()

/** The calendar date of an instant in a time zone. */
export function dateIn(at: Date, timeZone: string): string {
  const quarter = Math.floor(at.getTime() / QUARTER_HOUR)
  const last = lastDates.get(timeZone)
  if (last?.quarter === quarter) return last.date
  let format = dateFormats.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    dateFormats.set(timeZone, format)
  }
  const parts = format.formatToParts(at)
  const get = (t: string) => parts.find((p) => p.type === t)!.value
  const date = `${get('year')}-${get('month')}-${get('day')}`
  // Local mean time before standard zones had offsets in seconds: those instants are not cached.
  if (at.getUTCFullYear() >= 1970) lastDates.set(timeZone, { quarter, date })
  return date
}
