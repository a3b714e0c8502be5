import { sql } from 'drizzle-orm'
import fc from 'fast-check'
import t, { type Test } from 'tap'
import { foldSearchText } from '../../../src/lib/search-text.ts'
import { reindexSearch } from '../../../src/modules/tickets/search.service.ts'
import { SEARCH_TEXT_MAX } from '../../../src/lib/search-text.ts'
import { buildTestApp, fixedClock } from '../../helpers/build-test-app.ts'
import { makeDesk } from '../../helpers/desk.ts'
import { typedWord } from '../../helpers/typed-words.ts'

/** The search document is the subject and the public messages; each change of them must reach it. */
t.test('search follows the subject and the public messages', async (t) => {
  const clock = fixedClock('2026-01-19T10:00:00+02:00')
  const ctx = await buildTestApp(t, { clock, config: { ACCESS_TOKEN_TTL_SECONDS: 86_400 } })
  const desk = await makeDesk(ctx, clock)
  const admin = await ctx.adminToken()
  const found = async (q: string) =>
    (await ctx.as(admin, { method: 'GET', url: `/v1/tickets?q=${encodeURIComponent(q)}` })).json().data.map((x: { id: string }) => x.id)
  const res = await ctx.as(admin, {
    method: 'POST',
    url: '/v1/tickets',
    payload: { requesterId: desk.requester.id, queueId: desk.queue.id, subject: 'Payroll export fails', description: { text: 'The bank file is empty.' } },
  })
  t.equal(res.statusCode, 201, res.body)
  const id = res.json().id
  await ctx.as(admin, { method: 'POST', url: `/v1/tickets/${id}/messages`, payload: { visibility: 'public', bodyText: 'Отчетът за заплати е празен.' } })
  await ctx.as(admin, { method: 'POST', url: `/v1/tickets/${id}/messages`, payload: { visibility: 'internal', bodyText: 'secretword in a note' } })
  t.same(await found('payroll'), [id])
  t.same(await found('заплати'), [id], 'a public reply is searchable')
  t.same(await found('secretword'), [], 'internal notes are not')

  const patched = await ctx.as(admin, { method: 'PATCH', url: `/v1/tickets/${id}`, payload: { subject: 'Salary transfer rejected' } })
  t.equal(patched.statusCode, 200, patched.body)
  t.same(await found('salary transfer'), [id], 'the new subject is searchable')
  t.same(await found('payroll'), [], 'the old subject is not')
  t.same(await found('bank file'), [id], 'the first message still is')
  t.same(await found('заплати'), [id], 'and the replies')
  t.same(await found('secretword'), [], 'and internal notes still are not')
})

/**
 * Documents and queries are folded by one function (lib/search-text.ts): a word is found however it
 * is typed, in any case, with or without its diacritics, with either Romanian s and t.
 */
t.test('search finds words as users of each language type them', async (t) => {
  const { ctx, admin, found, create } = await searchDesk(t)
  const ru = await create('Ёлка не печатает счёт', 'Принтер пишет: ошибка при печати счёта.')
  const roCedilla = await create('Ştergere factură eşuată', 'Nu pot şterge factura din câmp.')
  const roComma = await create('Ștergere în rețea', 'Imprimantă blocată, țară greșită.')
  const hr = await create('Čačkalica ne radi', 'Đak ne može ispisati račun.')
  const hrPlain = await create('Racun se ne ispisuje', 'Pisac javlja gresku.')
  const bg = await create('Принтерът не печата', 'Фактурата ѝ е празна. Няма край.')
  const en = await create('Payroll Export fails', 'The BANK file is empty.')

  t.same(await found('елка счет'), [ru], 'Russian: е for ё, two words')
  t.same(await found('ЁЛКА ошибка'), [ru], 'Russian: capitals, a word of the first message')
  t.same(await found('ștergere factura'), [roCedilla], 'Romanian: ș (comma below) finds ş (cedilla), a for ă')
  t.same(await found('ţară greşită'), [roComma], 'Romanian: ţ ş (cedilla) find ț ș (comma below)')
  t.same(await found('stergere'), [roCedilla, roComma].sort(), 'Romanian: without diacritics, both forms')
  t.same(await found('in retea imprimanta'), [roComma], 'Romanian: î ă ț typed as i a t')
  t.same(await found('şterge camp'), [roCedilla], 'Romanian: â typed as a')
  t.same(await found('cackalica'), [hr], 'Croatian: without diacritics')
  t.same(await found('dak racun'), [hr], 'Croatian: đ as d, two words')
  t.same(await found('račun'), [hr, hrPlain].sort(), 'Croatian: a query with diacritics finds text typed without them')
  t.same(await found('ПРИНТЕРЪТ печата'), [bg], 'Bulgarian: capitals, two words')
  t.same(await found('фактурата и'), [bg], 'Bulgarian: и for ѝ')
  t.same(await found('КРАЙ'), [bg])
  t.same(await found('краи'), [], 'й is a letter of its own, not и with a breve to drop')
  t.same(await found('payroll BANK'), [en], 'English: any case')

  // A new subject rebuilds the document from the stored messages: folded the same way.
  const patch = async (id: string, subject: string) =>
    t.equal((await ctx.as(admin, { method: 'PATCH', url: `/v1/tickets/${id}`, payload: { subject } })).statusCode, 200)
  await patch(ru, 'Счёт-фактура не печатается')
  t.same(await found('счет-фактура'), [ru], 'the new subject, folded')
  t.same(await found('ОШИБКА печати'), [ru], 'the first message, folded again')
  t.same(await found('елка'), [], 'not the old subject')

  // A merge appends the merged ticket's document; a later new subject keeps its subject.
  const merged = await ctx.as(admin, { method: 'POST', url: `/v1/tickets/${roCedilla}/merge`, payload: { targetId: roComma } })
  t.equal(merged.statusCode, 200, merged.body)
  t.same(await found('sterge camp'), [roComma], 'its messages moved: only the target matches them, as after reindex-search')
  t.same(await found('esuata'), [roCedilla, roComma].sort(), 'its subject is still its own')
  await patch(roComma, 'Ștergere în rețea: duplicat')
  t.same(await found('esuata'), [roCedilla, roComma].sort(), "the merged ticket's subject stays in the target's document")
  t.same(await found('sterge camp duplicat'), [roComma], "with the merged ticket's messages")
})

t.test('a folded query matches a folded document however each of its words is typed (the database parser)', async (t) => {
  const ctx = await buildTestApp(t)
  await fc.assert(
    fc.asyncProperty(fc.array(typedWord, { minLength: 1, maxLength: 4 }), async (words) => {
      // "or" is an operator of the web search syntax, not a word.
      const kept = words.filter(([meant]) => meant !== 'or')
      if (!kept.length) return true
      const doc = foldSearchText(`Re: ${kept.map(([, a]) => a).join(' ')}.`)
      const q = foldSearchText(kept.map(([, , b]) => b).reverse().join(' '))
      const { rows } = await ctx.deps.db.execute<{ hit: boolean }>(sql`select to_tsvector('simple', ${doc}) @@ websearch_to_tsquery('simple', ${q}) as hit`)
      return rows[0]!.hit
    }),
    { numRuns: 150 },
  )
  t.pass()
})

t.test('reindex-search rebuilds documents written before folding, and only those', async (t) => {
  const { ctx, admin, found, create } = await searchDesk(t)
  const reply = async (id: string, bodyText: string) =>
    t.equal((await ctx.as(admin, { method: 'POST', url: `/v1/tickets/${id}/messages`, payload: { visibility: 'public', bodyText } })).statusCode, 201)
  const a = await create('Čačkalica ne radi', 'Ёлка печатает счёт.')
  const source = await create('Đak ispis', 'Ştergere factură.')
  await reply(a, 'Răspuns: ștergere reușită')
  t.equal((await ctx.as(admin, { method: 'POST', url: `/v1/tickets/${source}/merge`, payload: { targetId: a } })).statusCode, 200)
  const fresh = await create('Țară nouă', 'Ёж')
  await reply(fresh, 'Čuvaj')
  // Every document but the fresh one as it was written before folding: the text as typed.
  await ctx.deps.db.execute(sql`update tickets set search = to_tsvector('simple', subject || coalesce((select string_agg(E'\n' || body_text, '' order by m.id)
    from ticket_messages m where m.ticket_id = tickets.id and m.visibility = 'public'), '')) where id <> ${fresh}`)
  t.same(await found('cackalica'), [], 'an unfolded document is not found by a word typed without diacritics')

  const first = await reindexSearch(ctx.deps.db, 2)
  t.same(first, { tickets: 3, rewritten: 2 }, "in batches of two; the fresh ticket's document is what a rebuild makes")
  t.same(await found('cackalica елка'), [a])
  t.same(await found('stergere reusita'), [a], 'a reply')
  t.same(await found('dak ispis'), [a, source].sort(), "a merged ticket's subject stays with its target")
  t.same(await found('stergere factura'), [a], "the merged ticket's message moved to the target")
  t.same(await found('tara cuvaj еж'), [fresh])
  t.same(await reindexSearch(ctx.deps.db, 2), { tickets: 3, rewritten: 0 }, 'a second run rewrites nothing')
})

t.test('every write path cuts long texts as a rebuild does: each text on its own, in code points', async (t) => {
  const { ctx, admin, found, create } = await searchDesk(t)
  // Texts of the most the API takes (100,000 characters, counted in code points) ending in a word.
  // Emoji are no words and two UTF-16 units each: a cut counted in units, or one that counts the
  // subject with the body, would lose that last word from the document but not from a rebuild.
  const long = (word: string) => `${'😀'.repeat(SEARCH_TEXT_MAX - word.length - 1)} ${word}`
  t.equal([...long('lastword')].length, SEARCH_TEXT_MAX)
  const a = await create('Long log pasted', long('lastword'))
  t.same(await found('lastword'), [a], 'the last word of a first message at the cap')
  const reply = await ctx.as(admin, { method: 'POST', url: `/v1/tickets/${a}/messages`, payload: { visibility: 'public', bodyText: long('replyword') } })
  t.equal(reply.statusCode, 201, reply.body)
  t.same(await found('replyword'), [a], 'the last word of a reply at the cap')
  t.same(await reindexSearch(ctx.deps.db), { tickets: 1, rewritten: 0 }, 'a rebuild writes the same document')
})

/** An app with a desk and an admin; `create` opens a ticket, `found` searches (ids sorted). */
async function searchDesk(t: Test) {
  const clock = fixedClock('2026-01-19T10:00:00+02:00')
  const ctx = await buildTestApp(t, { clock, config: { ACCESS_TOKEN_TTL_SECONDS: 86_400 } })
  const desk = await makeDesk(ctx, clock)
  const admin = await ctx.adminToken()
  const found = async (q: string): Promise<string[]> =>
    (await ctx.as(admin, { method: 'GET', url: `/v1/tickets?q=${encodeURIComponent(q)}` })).json().data.map((x: { id: string }) => x.id).sort()
  const create = async (subject: string, text: string) => {
    const res = await ctx.as(admin, { method: 'POST', url: '/v1/tickets', payload: { requesterId: desk.requester.id, queueId: desk.queue.id, subject, description: { text } } })
    t.equal(res.statusCode, 201, res.body)
    return res.json().id as string
  }
  return { ctx, admin, found, create }
}
