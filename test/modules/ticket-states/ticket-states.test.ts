import t from 'tap'
import { createTestApiKey } from '../../helpers/api-keys.ts'
import { walkPages } from '../../helpers/pages.ts'
import { buildTestApp } from '../../helpers/build-test-app.ts'

interface State {
  id: string
  key: string
  isDefault: boolean
  version: number
  allowedTransitions: string[]
}

t.test('ticket states and priorities', async (t) => {
  const ctx = await buildTestApp(t)
  const token = await ctx.adminToken()
  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    ctx.as(token, { method: 'POST', url: '/v1/ticket-states', payload: payload as object, headers })
  const make = async (payload: object): Promise<State> => {
    const res = await post(payload)
    if (res.statusCode !== 201) throw new Error(res.body)
    return res.json()
  }
  const get = async (id: string): Promise<State> => (await ctx.as(token, { method: 'GET', url: `/v1/ticket-states/${id}` })).json()
  const patch = (id: string, payload: object, headers: Record<string, string> = {}) =>
    ctx.as(token, { method: 'PATCH', url: `/v1/ticket-states/${id}`, payload, headers })
  const del = (id: string, headers: Record<string, string> = {}) => ctx.as(token, { method: 'DELETE', url: `/v1/ticket-states/${id}`, headers })

  // This file's database starts without states, so the first `new` state becomes the default.
  const triage = await make({ key: 'triage', name: 'Triage', category: 'new', position: 10 })

  t.test('create, read, update with ETag/If-Match', async (t) => {
    t.match(triage, { key: 'triage', name: 'Triage', category: 'new', isDefault: true, position: 10, allowedTransitions: [], active: true, version: 1 })
    const res = await post({ key: 'working', name: 'Working', category: 'open', position: 20, allowedTransitions: ['triage'] })
    t.equal(res.statusCode, 201, res.body)
    const working = res.json()
    t.match(working, { isDefault: false, allowedTransitions: ['triage'] })
    t.equal(res.headers.location, `/v1/ticket-states/${working.id}`)
    t.equal(res.headers.etag, '"1"')
    const got = await ctx.as(token, { method: 'GET', url: `/v1/ticket-states/${working.id}` })
    t.equal(got.headers.etag, '"1"')
    t.same(got.json(), working)

    const upd = await patch(working.id, { name: 'In progress', position: 15 }, { 'if-match': '"1"' })
    t.equal(upd.statusCode, 200, upd.body)
    t.match(upd.json(), { key: 'working', name: 'In progress', position: 15, version: 2 })
    t.equal(upd.headers.etag, '"2"')
    t.equal((await patch(working.id, { name: 'Stale' }, { 'if-match': '"1"' })).statusCode, 412)

    const key = await patch(working.id, { key: 'renamed' })
    t.equal(key.statusCode, 400, 'the key is immutable')
    t.match(key.json().errors, [{ field: 'key', message: 'is not a known field' }])
    t.equal((await patch('0190c5a4-0000-7000-8000-000000000000', { name: 'X' })).statusCode, 404)
  })

  t.test('transitions must name existing other states', async (t) => {
    const unknown = await post({ key: 'escalated', name: 'Escalated', category: 'open', allowedTransitions: ['triage', 'nowhere', 'limbo'] })
    t.equal(unknown.statusCode, 422)
    t.match(unknown.json(), {
      code: 'REFERENCE_NOT_FOUND',
      errors: [
        { field: 'allowedTransitions.1', message: /nowhere does not exist/ },
        { field: 'allowedTransitions.2', message: /limbo does not exist/ },
      ],
    })
    const self = await post({ key: 'loop', name: 'Loop', category: 'open', allowedTransitions: ['triage', 'loop'] })
    t.equal(self.statusCode, 422)
    t.match(self.json(), { code: 'UNPROCESSABLE', errors: [{ field: 'allowedTransitions.1', message: /itself/ }] })

    const hold = await make({ key: 'hold', name: 'On hold', category: 'pending' })
    const selfPatch = await patch(hold.id, { allowedTransitions: ['hold'] })
    t.equal(selfPatch.statusCode, 422)
    t.match(selfPatch.json().errors, [{ field: 'allowedTransitions.0' }])
    const badPatch = await patch(hold.id, { allowedTransitions: ['ghost'] })
    t.equal(badPatch.statusCode, 422)
    t.match(badPatch.json().errors, [{ field: 'allowedTransitions.0', message: /ghost/ }])
    const ok = await patch(hold.id, { allowedTransitions: ['triage'] })
    t.equal(ok.statusCode, 200)
    t.same(ok.json().allowedTransitions, ['triage'])
    t.equal((await get(hold.id)).version, 2, 'refused patches changed nothing')
  })

  t.test('exactly one default state, of category new', async (t) => {
    const intake = await make({ key: 'intake', name: 'Intake', category: 'new' })
    t.equal(intake.isDefault, false, 'a second new state does not take over')
    const before = await get(triage.id)

    const switched = await patch(intake.id, { isDefault: true })
    t.equal(switched.statusCode, 200, switched.body)
    t.equal(switched.json().isDefault, true)
    const old = await get(triage.id)
    t.equal(old.isDefault, false, 'the old default was unset')
    t.equal(old.version, before.version + 1, 'and its version bumped, so its ETag changes')

    const created = await make({ key: 'fresh', name: 'Fresh', category: 'new', isDefault: true })
    t.equal(created.isDefault, true)
    t.equal((await get(intake.id)).isDefault, false, 'creating a default unsets the old one too')
    const defaults = (await ctx.as(token, { method: 'GET', url: '/v1/ticket-states?category=new' })).json().data.filter((s: State) => s.isDefault)
    t.equal(defaults.length, 1)

    const notNew = await post({ key: 'open-default', name: 'Open default', category: 'open', isDefault: true })
    t.equal(notNew.statusCode, 422)
    t.match(notNew.json().errors, [{ field: 'isDefault' }])
    const unset = await patch(created.id, { isDefault: false })
    t.equal(unset.statusCode, 422)
    t.match(unset.json(), { errors: [{ field: 'isDefault', message: /make another state the default/ }] })
    t.equal((await patch(created.id, { category: 'open' })).statusCode, 422, 'the default stays in category new')
    t.match((await patch(created.id, { active: false })).json(), { errors: [{ field: 'active' }] })
    const delDefault = await del(created.id)
    t.equal(delDefault.statusCode, 409)
    t.equal(delDefault.json().code, 'CONFLICT')

    // A stale If-Match on a default switch rolls the whole switch back.
    const stale = await patch(intake.id, { isDefault: true }, { 'if-match': '"1"' })
    t.equal(stale.statusCode, 412)
    t.equal((await get(created.id)).isDefault, true, 'the old default is still the default')
  })

  t.test('delete: refused while referenced, otherwise gone', async (t) => {
    const target = await make({ key: 'target', name: 'Target', category: 'resolved' })
    const a = await make({ key: 'refers-a', name: 'Refers A', category: 'open', allowedTransitions: ['target'] })
    await make({ key: 'refers-b', name: 'Refers B', category: 'open', allowedTransitions: ['target', 'refers-a'] })
    const inUse = await del(target.id)
    t.equal(inUse.statusCode, 409)
    t.match(inUse.json(), { code: 'IN_USE', detail: /refers-a, refers-b/, referencedBy: ['refers-a', 'refers-b'] })
    t.equal((await get(target.id)).key, 'target', 'still there')

    const lone = await make({ key: 'lone', name: 'Lone', category: 'closed', allowedTransitions: ['target'] })
    t.equal((await del(lone.id, { 'if-match': '"9"' })).statusCode, 412)
    const gone = await del(lone.id, { 'if-match': '"1"' })
    t.equal(gone.statusCode, 204)
    t.equal(gone.body, '')
    t.equal((await ctx.as(token, { method: 'GET', url: `/v1/ticket-states/${lone.id}` })).statusCode, 404)
    t.equal((await del(lone.id)).statusCode, 404)
    // A state's own transitions do not keep it alive, and its key is free again.
    t.equal((await post({ key: 'lone', name: 'Lone again', category: 'closed' })).statusCode, 201)
    t.equal((await patch(a.id, { allowedTransitions: [] })).statusCode, 200)
  })

  t.test('filters', async (t) => {
    const x = await make({ key: 'flt-waiting', name: 'Filter waiting', category: 'pending' })
    const y = await make({ key: 'flt-done', name: 'Filter done', category: 'resolved' })
    const z = await make({ key: 'flt-old', name: 'Filter old', category: 'pending' })
    t.equal((await patch(z.id, { active: false })).statusCode, 200)
    const ids = async (q: string) => ((await ctx.as(token, { method: 'GET', url: `/v1/ticket-states?${q}` })).json().data as State[]).map((s) => s.id)
    t.same(await ids('q=flt-'), [x.id, y.id, z.id], 'q matches the key')
    t.same(await ids('q=filter%20DONE'), [y.id], 'and the name')
    t.same(await ids('q=flt-&category=pending'), [x.id, z.id])
    t.same(await ids('q=flt-&active=false'), [z.id])
    t.same(await ids('q=flt-&active=true&category=pending'), [x.id])
    t.equal((await ctx.as(token, { method: 'GET', url: '/v1/ticket-states?category=waiting' })).statusCode, 400)
  })

  t.test('pagination walks every row once', async (t) => {
    const keys = Array.from({ length: 5 }, (_, i) => `paged-${i}`)
    for (const key of keys) await make({ key, name: key, category: 'open' })
    const { items, pages } = await walkPages<State>(ctx, token, '/v1/ticket-states?limit=2&q=paged-')
    t.same(items.map((x) => x.key), keys)
    t.equal(pages, 3)
  })

  t.test('idempotency replay', async (t) => {
    const key = `state-${Date.now()}`
    const a = await post({ key: 'idem', name: 'Idem', category: 'open' }, { 'idempotency-key': key })
    const b = await post({ key: 'idem', name: 'Idem', category: 'open' }, { 'idempotency-key': key })
    t.equal(a.statusCode, 201)
    t.equal(b.statusCode, 201)
    t.equal(b.json().id, a.json().id)
    t.equal(b.headers['idempotent-replayed'], 'true')
    t.equal((await post({ key: 'idem2', name: 'Idem', category: 'open' }, { 'idempotency-key': key })).statusCode, 422)
  })

  t.test('bad input', async (t) => {
    t.match((await post({ key: 'typed', name: 'Typed', category: 'open', position: '3' })).json().errors, [{ field: 'position' }])
    t.match((await post({ key: 'missing', name: 'Missing' })).json().errors, [{ field: 'category', message: 'is required' }])
    t.match((await post({ name: 'No key', category: 'open' })).json().errors, [{ field: 'key', message: 'is required' }])
    t.match((await post({ key: 'mass', name: 'Mass', category: 'open', version: 5 })).json().errors, [{ field: 'version', message: 'is not a known field' }])
    t.equal((await post({ key: 'long', name: 'x'.repeat(201), category: 'open' })).statusCode, 400)
    t.equal((await post({ key: `k${'x'.repeat(64)}`, name: 'Long key', category: 'open' })).statusCode, 400)
    t.match((await post({ key: 'Not A Slug', name: 'Slug', category: 'open' })).json().errors, [{ field: 'key' }])
    t.match((await post({ key: 'cat', name: 'Cat', category: 'waiting' })).json().errors, [{ field: 'category' }])
    t.equal((await post({ key: 'neg', name: 'Negative', category: 'open', position: -1 })).statusCode, 400)
    t.equal((await post({ key: 'rep', name: 'Repeated', category: 'open', allowedTransitions: ['triage', 'triage'] })).statusCode, 400)
    const dup = await post({ key: 'triage', name: 'Triage again', category: 'new' })
    t.equal(dup.statusCode, 409)
    t.match(dup.json(), { code: 'DUPLICATE', errors: [{ field: 'key' }] })
  })

  t.test('access', async (t) => {
    for (const role of ['agent', 'manager'] as const) {
      const { token: other } = await ctx.login(role)
      t.equal((await ctx.as(other, { method: 'POST', url: '/v1/ticket-states', payload: { key: `by-${role}`, name: 'X', category: 'open' } })).statusCode, 403)
      t.equal((await ctx.as(other, { method: 'PATCH', url: `/v1/ticket-states/${triage.id}`, payload: { name: 'X' } })).statusCode, 403)
      t.equal((await ctx.as(other, { method: 'DELETE', url: `/v1/ticket-states/${triage.id}` })).statusCode, 403)
      t.equal((await ctx.as(other, { method: 'GET', url: `/v1/ticket-states/${triage.id}` })).statusCode, 200, `${role} reads`)
      t.equal((await ctx.as(other, { method: 'GET', url: '/v1/priorities' })).statusCode, 200)
    }
    const without = await createTestApiKey(ctx, ['directory:read', 'directory:write'])
    t.equal((await ctx.as(without, { method: 'GET', url: '/v1/ticket-states' })).statusCode, 403)
    t.equal((await ctx.as(without, { method: 'GET', url: '/v1/priorities' })).statusCode, 403)
    const reader = await createTestApiKey(ctx, ['tickets:read'])
    t.equal((await ctx.as(reader, { method: 'GET', url: '/v1/ticket-states' })).statusCode, 200)
    t.equal((await ctx.as(reader, { method: 'GET', url: '/v1/priorities' })).statusCode, 200)
    t.equal((await ctx.as(reader, { method: 'DELETE', url: `/v1/ticket-states/${triage.id}` })).statusCode, 403)
  })

  t.test('priorities are a fixed, ranked list', async (t) => {
    const res = await ctx.as(token, { method: 'GET', url: '/v1/priorities' })
    t.equal(res.statusCode, 200)
    const body = res.json() as { data: Array<{ key: string; rank: number; description: string }>; nextCursor: null }
    t.same(body.data.map((p) => [p.key, p.rank]), [['low', 1], ['normal', 2], ['high', 3], ['urgent', 4]])
    t.ok(body.data.every((p) => p.description.length > 0))
    t.equal(body.nextCursor, null)
  })
})
