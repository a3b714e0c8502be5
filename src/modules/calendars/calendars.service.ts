import type { Deps } from '../../deps.ts'
import {
  addBusinessDays,
  addBusinessSeconds,
  type BusinessCalendar,
  type BusinessCalendarSpec,
  businessSecondsBetween,
  compileCalendar,
  MAX_INSTANT,
  MIN_INSTANT,
  validateCalendarSpec,
} from '../../lib/business-time/index.ts'
import { AppError, type FieldError, invalid, notFound } from '../../lib/errors.ts'
import type { Page } from '../../lib/pagination.ts'
import { describeConstraint } from '../../plugins/problem-details.ts'
import * as repo from './calendars.repo.ts'
import { invalidatingConfig } from '../../lib/config-cache.ts'
import type {
  AddHoliday,
  BusinessTime,
  Calendar,
  CreateCalendar,
  Due,
  DueQuery,
  ListCalendarsQuery,
  PutOverride,
  UpdateCalendar,
} from './calendars.schemas.ts'

describeConstraint('business_calendars_name_key', 'name', 'a calendar with this name already exists')

export function toCalendar(r: repo.CalendarRow): Calendar {
  return {
    id: r.id,
    name: r.name,
    timeZone: r.timeZone,
    weekly: r.weekly,
    holidays: r.holidays,
    recurringHolidays: r.recurringHolidays,
    overrides: r.overrides,
    active: r.active,
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }
}

export const specOf = (r: Pick<repo.CalendarRow, 'timeZone' | 'weekly' | 'holidays' | 'recurringHolidays' | 'overrides'>): BusinessCalendarSpec => ({
  timeZone: r.timeZone,
  weekly: r.weekly,
  holidays: r.holidays,
  recurringHolidays: r.recurringHolidays,
  overrides: r.overrides,
})

/**
 * Compiled calendars by (id, version): compiling builds lookup tables lazily and SLA computations
 * ask for the same few calendars over and over. A new version is a new key, so nothing is ever
 * stale; the oldest entries go first once the cache is full (Map keeps insertion order).
 */
const CACHE_SIZE = 200
const compiled = new Map<string, BusinessCalendar>()
export function compiledCalendar(r: Pick<repo.CalendarRow, 'id' | 'version'> & Parameters<typeof specOf>[0]): BusinessCalendar {
  const key = `${r.id}@${r.version}`
  let cal = compiled.get(key)
  if (cal) {
    compiled.delete(key)
  } else {
    cal = compileCalendar(specOf(r))
    if (compiled.size >= CACHE_SIZE) compiled.delete(compiled.keys().next().value!)
  }
  compiled.set(key, cal)
  return cal
}
/** For tests: how many compiled calendars are held. */
export const compiledCacheSize = () => compiled.size

/**
 * Runs the core's validation and names each offending field as the client sent it. `field` maps a
 * core path (`/weekly/2/end`) to where that value came from; by default the body path `weekly.2.end`.
 */
type Where = (path: string) => Pick<FieldError, 'in' | 'field'>
const bodyPath: Where = (path) => ({ in: 'body', field: path.replace(/^\//, '').replace(/\//g, '.') })

function assertValid(spec: BusinessCalendarSpec, where: Where = bodyPath): void {
  const issues = validateCalendarSpec(spec)
  if (issues.length) throw invalid(issues.map((i) => ({ ...where(i.path), message: i.message })))
}

export async function createCalendar(deps: Deps, input: CreateCalendar): Promise<Calendar> {
  const spec = specOf({ holidays: [], recurringHolidays: [], overrides: [], ...input })
  assertValid(spec)
  const now = deps.clock.now()
  return toCalendar(await repo.insertCalendar(deps.db, { name: input.name.trim(), ...spec, createdAt: now, updatedAt: now }))
}

async function loadCalendar(deps: Deps, id: string): Promise<repo.CalendarRow> {
  const row = await repo.findCalendar(deps.db, id)
  if (!row) throw notFound('calendar', id)
  return row
}

export const getCalendar = async (deps: Deps, id: string): Promise<Calendar> => toCalendar(await loadCalendar(deps, id))

export const listCalendars = (deps: Deps, q: ListCalendarsQuery): Promise<Page<Calendar>> =>
  repo.listCalendars(deps.db, { ...q, limit: q.limit ?? 50 }, toCalendar)

/**
 * Read, change and write one calendar under a row lock, so that two sub-resource edits (a holiday
 * here, a short day there) never lose each other; If-Match, when sent, must name the read version.
 */
async function changeCalendar(
  deps: Deps,
  id: string,
  version: number | undefined,
  change: (row: repo.CalendarRow) => { patch: Partial<repo.CalendarRow>; where?: Where },
): Promise<Calendar> {
  const write = deps.db.transaction(async (tx) => {
    const row = await repo.findCalendar(tx, id, true)
    if (!row) throw notFound('calendar', id)
    if (version !== undefined && version !== row.version) {
      throw new AppError('PRECONDITION_FAILED', `calendar ${id} is at version ${row.version}, not ${version}; fetch it again`)
    }
    const { patch, where } = change(row)
    if (patch.timeZone || patch.weekly || patch.holidays || patch.recurringHolidays || patch.overrides) {
      assertValid(specOf({ ...row, ...patch }), where)
    }
    return toCalendar(await repo.updateCalendar(tx, id, row.version, patch, deps.clock.now()))
  })
  // Policies hold compiled calendars: a changed calendar must reach the tickets' SLA cache.
  return invalidatingConfig(write)
}

export const updateCalendar = (deps: Deps, id: string, version: number | undefined, input: UpdateCalendar) =>
  changeCalendar(deps, id, version, () => ({ patch: input.name === undefined ? input : { ...input, name: input.name.trim() } }))

/** Calendars are deactivated, never deleted: policies and rated time entries keep pointing at them. */
export const deactivateCalendar = (deps: Deps, id: string, version: number | undefined) => updateCalendar(deps, id, version, { active: false })

/** Errors about the one added item name the request's own fields (`date`, `intervals.0.end`). */
const itemPath =
  (list: string, index: number, dateIn: FieldError['in']): Where =>
  (path) => {
    const prefix = `/${list}/${index}`
    if (!path.startsWith(`${prefix}/`)) return bodyPath(path)
    const field = path.slice(prefix.length + 1).replace(/\//g, '.')
    return { in: field === 'date' ? dateIn : 'body', field }
  }

export const addHoliday = (deps: Deps, id: string, version: number | undefined, input: AddHoliday) =>
  changeCalendar(deps, id, version, (row) => {
    if (row.holidays.some((h) => h.date === input.date)) {
      throw new AppError('DUPLICATE', `calendar ${id} already has a holiday on ${input.date}`, {
        errors: [{ in: 'body', field: 'date', message: 'is already a holiday of this calendar' }],
      })
    }
    const holiday = input.name === undefined ? { date: input.date } : { date: input.date, name: input.name }
    return { patch: { holidays: [...row.holidays, holiday] }, where: itemPath('holidays', row.holidays.length, 'body') }
  })

export const removeHoliday = (deps: Deps, id: string, version: number | undefined, date: string) =>
  changeCalendar(deps, id, version, (row) => {
    const holidays = row.holidays.filter((h) => h.date !== date)
    if (holidays.length === row.holidays.length) throw notFound(`holiday ${date} of calendar`, id)
    return { patch: { holidays } }
  })

/** Sets the working intervals of one date (a short day, an extra working day, or `[]`: closed). */
export const putOverride = (deps: Deps, id: string, version: number | undefined, date: string, input: PutOverride) =>
  changeCalendar(deps, id, version, (row) => {
    const override = { date, intervals: input.intervals, ...(input.name === undefined ? {} : { name: input.name }) }
    const at = row.overrides.findIndex((o) => o.date === date)
    const overrides = at < 0 ? [...row.overrides, override] : row.overrides.map((o, i) => (i === at ? override : o))
    return { patch: { overrides }, where: itemPath('overrides', at < 0 ? row.overrides.length : at, 'params') }
  })

export const removeOverride = (deps: Deps, id: string, version: number | undefined, date: string) =>
  changeCalendar(deps, id, version, (row) => {
    const overrides = row.overrides.filter((o) => o.date !== date)
    if (overrides.length === row.overrides.length) throw notFound(`override ${date} of calendar`, id)
    return { patch: { overrides } }
  })

/** An ISO instant from the query as epoch ms, within the range the business-time core supports. */
function instant(field: string, iso: string): number {
  const ms = Date.parse(iso)
  if (!(ms >= MIN_INSTANT && ms < MAX_INSTANT)) {
    throw invalid([{ in: 'query', field, message: 'must be an instant between the years 1900 and 2300' }])
  }
  return ms
}

/** The core throws RangeError when an answer would leave its supported range (or no business time exists). */
function inRange<T>(field: string, fn: () => T): T {
  try {
    return fn()
  } catch (e) {
    if (e instanceof RangeError) throw new AppError('UNPROCESSABLE', e.message, { errors: [{ in: 'query', field, message: e.message }] })
    throw e
  }
}

export async function businessTime(deps: Deps, id: string, q: { from: string; to: string }): Promise<BusinessTime> {
  const from = instant('from', q.from)
  const to = instant('to', q.to)
  if (to < from) throw invalid([{ in: 'query', field: 'to', message: 'must not be before from' }])
  const cal = compiledCalendar(await loadCalendar(deps, id))
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), businessSeconds: businessSecondsBetween(cal, from, to) }
}

export async function dueAt(deps: Deps, id: string, q: DueQuery): Promise<Due> {
  const from = instant('from', q.from)
  if ((q.seconds === undefined) === (q.businessDays === undefined)) {
    throw invalid([{ in: 'query', field: 'seconds', message: 'give exactly one of seconds or businessDays' }])
  }
  const cal = compiledCalendar(await loadCalendar(deps, id))
  const due =
    q.seconds !== undefined
      ? inRange('seconds', () => addBusinessSeconds(cal, from, q.seconds!))
      : inRange('businessDays', () => addBusinessDays(cal, from, q.businessDays!))
  return { from: new Date(from).toISOString(), dueAt: new Date(due).toISOString() }
}
