import t from 'tap'
import { compiledCacheSize } from '../../../src/modules/calendars/calendars.service.ts'
import { buildTestApp } from '../../helpers/build-test-app.ts'
import { scopedApiKey } from '../../helpers/scoped-api-key.ts'

const weekdays = (start = '09:00', end = '18:00') => [1, 2, 3, 4, 5].map((day) => ({ day, start, end }))

t.test('calendars', async (t) => {
  const ctx = await buildTestApp(t)
  const token = await ctx.adminToken()
  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    ctx.as(token, { method: 'POST', url: '/v1/calendars', payload: payload as object, headers })
  const create = async (name: string, extra: object = {}) => {
    const res = await post({ name, timeZone: 'Europe/Sofia', weekly: weekdays(), ...extra })
    if (res.statusCode !== 201) throw new Error(res.body)
    return res.json() as { id: string; version: number }
  }
  const get = (id: string) => ctx.as(token, { method: 'GET', url: `/v1/calendars/${id}` })

  t.test('create round-trips the spec exactly; read, update with ETag/If-Match, deactivate', async (t) => {
    const spec = {
      timeZone: 'Europe/Sofia',
      weekly: [...weekdays('09:00', '13:00'), { day: 1, start: '14:00', end: '18:00' }, { day: 6, end: '12:00', start: '10:00' }],
      holidays: [{ date: '2026-03-03', name: 'Liberation Day' }, { date: '2026-01-01' }],
      recurringHolidays: [{ month: 12, day: 25, name: 'Christmas' }, { month: 2, day: 29 }],
      overrides: [{ date: '2026-12-24', intervals: [{ start: '09:00', end: '12:00' }], name: 'Christmas Eve' }, { date: '2026-12-31', intervals: [] }],
    }
    const res = await post({ name: 'Sofia office', ...spec })
    t.equal(res.statusCode, 201, res.body)
    const cal = res.json()
    t.same({ timeZone: cal.timeZone, weekly: cal.weekly, holidays: cal.holidays, recurringHolidays: cal.recurringHolidays, overrides: cal.overrides }, spec)
    t.match(cal, { name: 'Sofia office', active: true, version: 1 })
    t.equal(res.headers.location, `/v1/calendars/${cal.id}`)
    t.equal(res.headers.etag, '"1"')
    const got = await get(cal.id)
    t.equal(got.headers.etag, '"1"')
    t.same(got.json(), cal)

    const minimal = await post({ name: 'Minimal', timeZone: 'UTC', weekly: weekdays() })
    t.match(minimal.json(), { holidays: [], recurringHolidays: [], overrides: [] }, 'absent lists come back empty')

    const upd = await ctx.as(token, {
      method: 'PATCH',
      url: `/v1/calendars/${cal.id}`,
      payload: { name: 'Sofia HQ', weekly: weekdays('08:30', '17:30') },
      headers: { 'if-match': '"1"' },
    })
    t.equal(upd.statusCode, 200, upd.body)
    t.match(upd.json(), { name: 'Sofia HQ', version: 2, weekly: weekdays('08:30', '17:30'), holidays: spec.holidays })
    t.equal(upd.headers.etag, '"2"')
    const stale = await ctx.as(token, { method: 'PATCH', url: `/v1/calendars/${cal.id}`, payload: { name: 'X' }, headers: { 'if-match': '"1"' } })
    t.equal(stale.statusCode, 412)
    t.equal(stale.json().code, 'PRECONDITION_FAILED')
    t.equal((await get(cal.id)).json().name, 'Sofia HQ', 'the stale write changed nothing')

    const del = await ctx.as(token, { method: 'DELETE', url: `/v1/calendars/${cal.id}`, headers: { 'if-match': '"2"' } })
    t.equal(del.statusCode, 200)
    t.match(del.json(), { active: false, version: 3 })
    const back = await ctx.as(token, { method: 'PATCH', url: `/v1/calendars/${cal.id}`, payload: { active: true } })
    t.equal(back.json().active, true)
  })

  t.test('holidays and overrides sub-resources bump the version and honour If-Match', async (t) => {
    const cal = await create('Subresources')
    const url = `/v1/calendars/${cal.id}`
    const add = await ctx.as(token, { method: 'POST', url: `${url}/holidays`, payload: { date: '2026-05-06', name: "St George's Day" }, headers: { 'if-match': '"1"' } })
    t.equal(add.statusCode, 200, add.body)
    t.match(add.json(), { version: 2, holidays: [{ date: '2026-05-06', name: "St George's Day" }] })
    t.equal(add.headers.etag, '"2"')
    const again = await ctx.as(token, { method: 'POST', url: `${url}/holidays`, payload: { date: '2026-05-06' } })
    t.equal(again.statusCode, 409)
    t.match(again.json(), { code: 'DUPLICATE', errors: [{ in: 'body', field: 'date' }] })
    const stale = await ctx.as(token, { method: 'POST', url: `${url}/holidays`, payload: { date: '2026-05-24' }, headers: { 'if-match': '"1"' } })
    t.equal(stale.statusCode, 412)
    const insane = await ctx.as(token, { method: 'POST', url: `${url}/holidays`, payload: { date: '1850-01-01' } })
    t.equal(insane.statusCode, 400)
    t.match(insane.json(), { code: 'VALIDATION_FAILED', errors: [{ in: 'body', field: 'date', message: /year must be between 1970 and 2200/ }] })
    const unreal = await ctx.as(token, { method: 'POST', url: `${url}/holidays`, payload: { date: '2026-02-30' } })
    t.match(unreal.json().errors, [{ field: 'date', message: /real calendar date/ }])
    t.equal((await get(cal.id)).json().version, 2, 'refused changes wrote nothing')

    const short = await ctx.as(token, {
      method: 'PUT',
      url: `${url}/overrides/2026-12-24`,
      payload: { intervals: [{ start: '09:00', end: '12:00' }], name: 'Christmas Eve' },
      headers: { 'if-match': '"2"' },
    })
    t.equal(short.statusCode, 200, short.body)
    t.match(short.json(), { version: 3, overrides: [{ date: '2026-12-24', intervals: [{ start: '09:00', end: '12:00' }], name: 'Christmas Eve' }] })
    const closed = await ctx.as(token, { method: 'PUT', url: `${url}/overrides/2026-12-24`, payload: { intervals: [] } })
    t.same(closed.json().overrides, [{ date: '2026-12-24', intervals: [] }], 'PUT replaces the override of that date')
    t.equal(closed.json().version, 4)
    const overlap = await ctx.as(token, {
      method: 'PUT',
      url: `${url}/overrides/2026-12-23`,
      payload: { intervals: [{ start: '09:00', end: '12:00' }, { start: '11:00', end: '13:00' }] },
    })
    t.equal(overlap.statusCode, 400)
    t.match(overlap.json().errors, [{ in: 'body', field: 'intervals.1', message: /overlaps/ }])
    const inverted = await ctx.as(token, { method: 'PUT', url: `${url}/overrides/2026-12-23`, payload: { intervals: [{ start: '12:00', end: '09:00' }] } })
    t.match(inverted.json().errors, [{ field: 'intervals.0.end', message: /after start/ }])
    const oldDate = await ctx.as(token, { method: 'PUT', url: `${url}/overrides/1900-12-23`, payload: { intervals: [] } })
    t.match(oldDate.json().errors, [{ in: 'params', field: 'date' }])
    const staleOverride = await ctx.as(token, { method: 'PUT', url: `${url}/overrides/2026-12-23`, payload: { intervals: [] }, headers: { 'if-match': '"3"' } })
    t.equal(staleOverride.statusCode, 412)

    const rmOverride = await ctx.as(token, { method: 'DELETE', url: `${url}/overrides/2026-12-24`, headers: { 'if-match': '"4"' } })
    t.equal(rmOverride.statusCode, 200)
    t.match(rmOverride.json(), { version: 5, overrides: [] })
    t.equal((await ctx.as(token, { method: 'DELETE', url: `${url}/overrides/2026-12-24` })).statusCode, 404)
    const rmStale = await ctx.as(token, { method: 'DELETE', url: `${url}/holidays/2026-05-06`, headers: { 'if-match': '"4"' } })
    t.equal(rmStale.statusCode, 412)
    const rm = await ctx.as(token, { method: 'DELETE', url: `${url}/holidays/2026-05-06`, headers: { 'if-match': '"5"' } })
    t.match(rm.json(), { version: 6, holidays: [] })
    t.equal((await ctx.as(token, { method: 'DELETE', url: `${url}/holidays/2026-05-06` })).statusCode, 404)
    t.equal((await ctx.as(token, { method: 'DELETE', url: `${url}/holidays/not-a-date` })).statusCode, 400)
    const missing = '0190c5a4-0000-7000-8000-000000000000'
    t.equal((await ctx.as(token, { method: 'POST', url: `/v1/calendars/${missing}/holidays`, payload: { date: '2026-05-06' } })).statusCode, 404)
  })

  t.test('concurrent sub-resource edits do not lose each other', async (t) => {
    const cal = await create('Concurrent')
    const dates = ['2026-06-01', '2026-06-02', '2026-06-03', '2026-06-04']
    const results = await Promise.all(
      dates.map((date) => ctx.as(token, { method: 'POST', url: `/v1/calendars/${cal.id}/holidays`, payload: { date } })),
    )
    t.same(results.map((r) => r.statusCode), [200, 200, 200, 200])
    const after = (await get(cal.id)).json()
    t.same(after.holidays.map((h: { date: string }) => h.date).sort(), dates)
    t.equal(after.version, 5)
  })

  t.test('bad input names each field', async (t) => {
    const base = { name: 'Bad', timeZone: 'Europe/Sofia', weekly: weekdays() }
    const overlap = await post({ ...base, weekly: [...weekdays(), { day: 3, start: '17:00', end: '19:00' }] })
    t.equal(overlap.statusCode, 400)
    t.match(overlap.json(), { code: 'VALIDATION_FAILED', errors: [{ in: 'body', field: 'weekly.5', message: /overlaps \/weekly\/2 on Wed/ }] })
    const inverted = await post({ ...base, weekly: [{ day: 1, start: '18:00', end: '09:00' }, { day: 2, start: '09:00', end: '25:00' }] })
    t.match(inverted.json().errors, [
      { field: 'weekly.0.end', message: /after start/ },
      { field: 'weekly.1.end', message: /between 00:01 and 24:00/ },
    ])
    const tz = await post({ ...base, timeZone: 'Mars/Olympus' })
    t.equal(tz.statusCode, 400)
    t.match(tz.json().errors, [{ in: 'body', field: 'timeZone' }])
    const holiday = await post({ ...base, holidays: [{ date: '2026-01-01' }, { date: '3001-01-01' }], recurringHolidays: [{ month: 2, day: 30 }] })
    t.match(holiday.json().errors, [
      { field: 'holidays.1.date', message: /year must be between/ },
      { field: 'recurringHolidays.0.day', message: /1\.\.29/ },
    ])
    const dupOverride = await post({ ...base, overrides: [{ date: '2026-12-24', intervals: [] }, { date: '2026-12-24', intervals: [] }] })
    t.match(dupOverride.json().errors, [{ field: 'overrides.1.date', message: /duplicate/ }])
    const day = await post({ ...base, weekly: [{ day: 8, start: '09:00', end: '18:00' }] })
    t.match(day.json().errors, [{ field: 'weekly.0.day' }])
    const empty = await post({ ...base, weekly: [] })
    t.match(empty.json().errors, [{ field: 'weekly' }])
    const wrongType = await post({ ...base, name: 42 })
    t.match(wrongType.json().errors, [{ field: 'name' }])
    const missing = await post({ name: 'No spec' })
    t.match(missing.json().errors, [{ field: 'timeZone', message: 'is required' }, { field: 'weekly', message: 'is required' }])
    const unknown = await post({ ...base, name: 'Unknown', version: 7 })
    t.match(unknown.json().errors, [{ field: 'version', message: 'is not a known field' }])
    const nested = await post({ ...base, name: 'Nested unknown', weekly: [{ day: 1, start: '09:00', end: '18:00', lunch: true }] })
    t.match(nested.json().errors, [{ field: 'weekly.0.lunch' }])
    const long = await post({ ...base, name: 'x'.repeat(201) })
    t.equal(long.statusCode, 400)
    await create('Duplicate Name')
    const dup = await post({ ...base, name: 'duplicate name' })
    t.equal(dup.statusCode, 409)
    t.match(dup.json(), { code: 'DUPLICATE', errors: [{ field: 'name' }] })
    const list = await ctx.as(token, { method: 'GET', url: '/v1/calendars?q=Bad' })
    t.same(list.json().data, [], 'nothing was partly written')

    const cal = await create('Patch target')
    const badPatch = await ctx.as(token, { method: 'PATCH', url: `/v1/calendars/${cal.id}`, payload: { name: 'Renamed', weekly: [{ day: 1, start: '10:00', end: '09:00' }] } })
    t.equal(badPatch.statusCode, 400)
    t.match(badPatch.json().errors, [{ field: 'weekly.0.end' }])
    t.match((await get(cal.id)).json(), { name: 'Patch target', version: 1 }, 'a refused PATCH changed nothing')
    const emptyPatch = await ctx.as(token, { method: 'PATCH', url: `/v1/calendars/${cal.id}`, payload: {} })
    t.equal(emptyPatch.statusCode, 400)
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/calendars/not-a-uuid' })).statusCode, 400)
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/calendars/0190c5a4-0000-7000-8000-000000000000' })).statusCode, 404)
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/calendars?cursor=garbage' })).json().code, 'INVALID_CURSOR')
  })

  t.test('filters and pagination', async (t) => {
    const stamp = Date.now()
    const names = Array.from({ length: 5 }, (_, i) => `Paged ${stamp} ${i}`)
    for (const name of names) await create(name)
    const ny = await create(`Paged ${stamp} NY`, { timeZone: 'America/New_York' })
    const off = await create(`Paged ${stamp} off`)
    await ctx.as(token, { method: 'DELETE', url: `/v1/calendars/${off.id}` })
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const res = await ctx.as(token, { method: 'GET', url: `/v1/calendars?limit=3&q=Paged%20${stamp}${cursor ? `&cursor=${cursor}` : ''}` })
      t.equal(res.statusCode, 200)
      const body = res.json() as { data: Array<{ name: string }>; nextCursor: string | null }
      seen.push(...body.data.map((c) => c.name))
      cursor = body.nextCursor
      pages++
    } while (cursor)
    t.same(seen, [...names, `Paged ${stamp} NY`, `Paged ${stamp} off`])
    t.equal(pages, 3)
    const byZone = await ctx.as(token, { method: 'GET', url: `/v1/calendars?q=${stamp}&timeZone=America/New_York` })
    t.same(byZone.json().data.map((c: { id: string }) => c.id), [ny.id])
    const inactive = await ctx.as(token, { method: 'GET', url: `/v1/calendars?q=${stamp}&active=false` })
    t.same(inactive.json().data.map((c: { id: string }) => c.id), [off.id])
    const active = await ctx.as(token, { method: 'GET', url: `/v1/calendars?q=${stamp}&active=true` })
    t.equal(active.json().data.length, 6)
  })

  t.test('business time and due instants through the front door', async (t) => {
    const cal = await create('Arithmetic', { holidays: [{ date: '2026-03-03' }] })
    const bt = (q: string) => ctx.as(token, { method: 'GET', url: `/v1/calendars/${cal.id}/business-time?${q}` })
    const due = (q: string) => ctx.as(token, { method: 'GET', url: `/v1/calendars/${cal.id}/due?${q}` })
    const enc = encodeURIComponent
    // Friday 17:59 Sofia to Monday 09:30: one minute on Friday, thirty on Monday.
    const span = await bt(`from=${enc('2026-01-16T17:59:00+02:00')}&to=${enc('2026-01-19T09:30:00+02:00')}`)
    t.equal(span.statusCode, 200, span.body)
    t.same(span.json(), { from: '2026-01-16T15:59:00.000Z', to: '2026-01-19T07:30:00.000Z', businessSeconds: 31 * 60 })
    const holiday = await bt(`from=${enc('2026-03-03T08:00:00Z')}&to=${enc('2026-03-03T15:00:00Z')}`)
    t.equal(holiday.json().businessSeconds, 0, 'a holiday has no business time')
    const seconds = await due(`from=${enc('2026-01-16T17:59:00+02:00')}&seconds=1800`)
    t.same(seconds.json(), { from: '2026-01-16T15:59:00.000Z', dueAt: '2026-01-19T07:29:00.000Z' })
    const days = await due(`from=${enc('2026-03-02T10:00:00+02:00')}&businessDays=1`)
    t.equal(days.json().dueAt, '2026-03-04T16:00:00.000Z', 'Tuesday is a holiday: end of Wednesday')

    const inverted = await bt(`from=${enc('2026-01-19T00:00:00Z')}&to=${enc('2026-01-18T00:00:00Z')}`)
    t.equal(inverted.statusCode, 400)
    t.match(inverted.json().errors, [{ in: 'query', field: 'to' }])
    t.match((await bt('from=yesterday&to=today')).json().errors, [{ in: 'query', field: 'from' }])
    t.match((await bt(`from=${enc('1800-01-01T00:00:00Z')}&to=${enc('2026-01-01T00:00:00Z')}`)).json().errors, [{ in: 'query', field: 'from' }])
    const both = await due(`from=${enc('2026-01-16T00:00:00Z')}&seconds=60&businessDays=1`)
    t.match(both.json().errors, [{ in: 'query', field: 'seconds', message: /exactly one/ }])
    const neither = await due(`from=${enc('2026-01-16T00:00:00Z')}`)
    t.equal(neither.statusCode, 400)
    const negative = await due(`from=${enc('2026-01-16T00:00:00Z')}&seconds=-5`)
    t.match(negative.json().errors, [{ in: 'query', field: 'seconds' }])
    const beyond = await due(`from=${enc('2299-12-01T00:00:00Z')}&businessDays=5000`)
    t.equal(beyond.statusCode, 422)
    t.match(beyond.json().errors, [{ in: 'query', field: 'businessDays' }])
    t.equal((await ctx.as(token, { method: 'GET', url: `/v1/calendars/0190c5a4-0000-7000-8000-000000000000/due?from=${enc('2026-01-16T00:00:00Z')}&seconds=1` })).statusCode, 404)

    // The compiled calendar is cached per version; an edit makes a new entry, not a stale hit.
    const before = compiledCacheSize()
    await due(`from=${enc('2026-01-16T17:59:00+02:00')}&seconds=60`)
    t.equal(compiledCacheSize(), before, 'same version: no recompilation')
    await ctx.as(token, { method: 'POST', url: `/v1/calendars/${cal.id}/holidays`, payload: { date: '2026-01-19' } })
    const afterEdit = await due(`from=${enc('2026-01-16T17:59:00+02:00')}&seconds=1800`)
    t.equal(afterEdit.json().dueAt, '2026-01-20T07:29:00.000Z', 'the new holiday is seen at once')
    t.equal(compiledCacheSize(), before + 1)
  })

  t.test('idempotency', async (t) => {
    const key = `cal-${Date.now()}`
    const body = { name: 'Idem calendar', timeZone: 'UTC', weekly: weekdays() }
    const a = await post(body, { 'idempotency-key': key })
    const b = await post(body, { 'idempotency-key': key })
    t.equal(a.statusCode, 201)
    t.equal(b.json().id, a.json().id)
    t.equal(b.headers['idempotent-replayed'], 'true')
    t.equal((await post({ ...body, name: 'Other' }, { 'idempotency-key': key })).statusCode, 422)
    const cal = a.json()
    const h1 = await ctx.as(token, { method: 'POST', url: `/v1/calendars/${cal.id}/holidays`, payload: { date: '2026-07-01' }, headers: { 'idempotency-key': `${key}-h` } })
    const h2 = await ctx.as(token, { method: 'POST', url: `/v1/calendars/${cal.id}/holidays`, payload: { date: '2026-07-01' }, headers: { 'idempotency-key': `${key}-h` } })
    t.equal(h1.statusCode, 200)
    t.equal(h2.statusCode, 200, 'a retried holiday is replayed, not refused as a duplicate')
    t.equal(h2.json().version, 2)
  })

  t.test('access', async (t) => {
    const cal = await create('Access')
    const agent = await ctx.login('agent')
    const manager = await ctx.login('manager')
    const body = { name: 'By manager', timeZone: 'UTC', weekly: weekdays() }
    t.equal((await ctx.as(agent.token, { method: 'GET', url: `/v1/calendars/${cal.id}` })).statusCode, 200, 'agents read')
    t.equal((await ctx.as(agent.token, { method: 'POST', url: '/v1/calendars', payload: body })).statusCode, 403)
    t.equal((await ctx.as(agent.token, { method: 'POST', url: `/v1/calendars/${cal.id}/holidays`, payload: { date: '2026-08-01' } })).statusCode, 403)
    t.equal((await ctx.as(agent.token, { method: 'PUT', url: `/v1/calendars/${cal.id}/overrides/2026-08-01`, payload: { intervals: [] } })).statusCode, 403)
    t.equal((await ctx.as(agent.token, { method: 'PATCH', url: `/v1/calendars/${cal.id}`, payload: { name: 'no' } })).statusCode, 403)
    t.equal((await ctx.as(manager.token, { method: 'POST', url: '/v1/calendars', payload: body })).statusCode, 201, 'managers write')
    t.equal((await ctx.as(undefined, { method: 'GET', url: `/v1/calendars/${cal.id}` })).statusCode, 401)

    const none = await scopedApiKey(ctx, ['directory:write'])
    const read = await scopedApiKey(ctx, ['contracts:read'])
    const write = await scopedApiKey(ctx, ['contracts:write'])
    t.equal((await ctx.as(none, { method: 'GET', url: `/v1/calendars/${cal.id}` })).statusCode, 403)
    t.equal((await ctx.as(read, { method: 'GET', url: `/v1/calendars/${cal.id}` })).statusCode, 200)
    t.equal((await ctx.as(read, { method: 'GET', url: `/v1/calendars/${cal.id}/business-time?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z` })).statusCode, 200)
    t.equal((await ctx.as(read, { method: 'POST', url: '/v1/calendars', payload: { ...body, name: 'By read key' } })).statusCode, 403)
    t.equal((await ctx.as(write, { method: 'POST', url: '/v1/calendars', payload: { ...body, name: 'By write key' } })).statusCode, 201)
    t.equal((await ctx.as(write, { method: 'DELETE', url: `/v1/calendars/${cal.id}/holidays/2026-08-01` })).statusCode, 404, 'write key passes access')
  })
})
