/**
 * Fast, repeatable seeding for the list and search benchmarks: organizations with one contact
 * each, extra teams, then tickets with three public messages each, all with
 * `INSERT … SELECT` inside PostgreSQL, from generate_series and the ticket texts.
 *
 * The text is made to search like a real desk's, not like a word salad: each ticket is in one
 * language (English 40 %, Bulgarian 20 %, Russian 15 %, Romanian 15 %, Croatian 10 %), its words
 * drawn from that language's list with a Zipf-like distribution (rank r with probability about
 * 1 / (r · ln V): function words everywhere, a given product word in a few per cent of tickets),
 * and about one token in twelve is a number or code (invoice, order, error, version …), the long
 * tail of distinct lexemes a real index carries. Subjects have 3–8 words, messages 6–30. The text
 * is made here from a generator seeded per ticket (the same on every run) and sent as arrays,
 * 10,000 tickets a statement (generating it in SQL took minutes per 100,000 tickets). The search document is built
 * as intake and replies build it: subject and the public messages, folded by the service's
 * foldSearchText (src/lib/search-text.ts) here, `simple` configuration.
 *
 * For speed the tickets' and messages' secondary indexes are dropped during the load and
 * recreated after it (their definitions read from pg_indexes, so they stay the migration's),
 * and foreign-key triggers are skipped for the session (every reference is made here).
 *
 *   npx tsx bench/_seed-tickets.ts <database url> [tickets] [organizations]
 */
import pg from 'pg'
import { foldSearchText } from '../src/lib/search-text.ts'
import { mulberry32 } from './_lib.ts'

/** Per language, most frequent first (function words, then the words of software support). */
export const VOCABULARY = {
  en: `the to and a i is it not in of we on for you this with can be that have do our when but after please
    does are from no all at an error us as was new its my again since any there now which what how or so if
    invoice printer report update program cannot open print window screen file data customer login user
    password server version message save button order stock warehouse database module network install licence
    export import receipt document problem works working shows click field total tax payment account client
    company month year today yesterday close start restart backup restore list change delete add send email
    price discount supplier delivery item product quantity code number date period balance ledger journal
    entry vat fiscal cash register device scanner barcode label slow freezes crash timeout connection offline
    online sync settings template format pdf excel column row filter search missing wrong duplicate blank
    empty page menu tab dialog permission access denied expired activate key upgrade patch windows computer
    laptop office branch shop terminal card bank transfer statement salary payroll employee contract hours
    attached screenshot logs see below above thanks regards urgent asap call phone remote session support
    ticket issue request question help need want tried checked already still same happens every time only
    sometimes morning evening week posted posting closing opening rounding currency exchange rate`,
  bg: `и на не се да в за е от с при това ни но ли след вече има няма как какво когато моля защо може
    програмата фактура фактурата принтер принтерът отчет отчета грешка грешки склад склада сървър сървъра
    потребител парола вход данни база базата модул версия обновяване инсталация лиценз лиценза касов бон
    касата документ документи клиент клиенти доставчик доставка стока стоки количество цена отстъпка ддс
    сметка сметки плащане банка превод период месец година днес вчера запис записи печат печата прозорец
    екран бутон меню файл експорт импорт архив възстановяване мрежа връзка бавно забива спира излиза
    съобщение работи отваря затваря липсва грешен двойно празно справка справката салдо дневник счетоводство
    заплати служител договор часове скрийншот лог прикачен благодаря поздрави спешно обадете телефон
    отдалечено помощ проблем въпрос заявка`,
  ru: `и не в на что я с по как это мы у но при после уже нет есть можно пожалуйста почему когда или
    программа счёт счета счёта принтер отчёт отчета ошибка ошибки склад склада сервер сервера пользователь
    пароль вход данные база базы модуль версия обновление установка лицензия лицензии касса чек документ
    документы клиент клиенты поставщик поставка товар товары количество цена скидка ндс оплата банк
    перевод период месяц год сегодня вчера запись записи печать печатает окно экран кнопка меню файл
    экспорт импорт архив восстановление сеть соединение медленно зависает падает вылетает сообщение
    работает открывается закрывается пропал неверный дубль пусто отчётность сальдо журнал бухгалтерия
    зарплата сотрудник договор часы скриншот лог вложение спасибо уважением срочно позвоните телефон
    удалённо помощь проблема вопрос заявка`,
  ro: `și nu de la în se cu pe că o un am este după când vă rog de ce mai deja nu există cum ce sau
    programul factura facturi factură imprimanta imprimantă raport raportul eroare erori depozit depozitul
    server serverul utilizator parola autentificare date baza modul versiune actualizare instalare licența
    licență casa bon document documente client clienți furnizor livrare marfă cantitate preț reducere tva
    plată banca transfer perioada luna anul azi ieri înregistrare înregistrări tipărire tipărește fereastra
    ecran buton meniu fișier export import arhivă restaurare rețea conexiune lent blochează închide mesaj
    funcționează deschide lipsește greșit dublu gol situație sold jurnal contabilitate salarii angajat
    contract ore captură log atașat mulțumesc salutări urgent sunați telefon distanță ajutor problemă
    întrebare cerere`,
  hr: `i je u na se ne da za s od to li ali nakon već nema ima kako što kada molim zašto može ili
    program račun računa računi pisač pisača izvještaj izvještaja greška greške skladište skladišta
    poslužitelj korisnik lozinka prijava podaci baza modul verzija ažuriranje instalacija licenca blagajna
    dokument dokumenti kupac kupci dobavljač isporuka roba količina cijena popust pdv plaćanje banka
    prijenos razdoblje mjesec godina danas jučer zapis zapisi ispis ispisuje prozor ekran gumb izbornik
    datoteka izvoz uvoz arhiva vraćanje mreža veza sporo zamrzava ruši poruka radi otvara zatvara nedostaje
    pogrešan dvostruko prazno pregled saldo dnevnik knjigovodstvo plaće zaposlenik ugovor sati snimka log
    privitak hvala pozdrav hitno nazovite telefon daljinski pomoć problem pitanje zahtjev`,
}
const LANGUAGE_SHARES: Array<[keyof typeof VOCABULARY, number]> = [['en', 0.4], ['bg', 0.2], ['ru', 0.15], ['ro', 0.15], ['hr', 0.1]]
/** Prefixes of the number-and-code tail: INV-20417 is lexed by the `simple` parser as one lexeme per part. */
const CODE_PREFIXES = ['inv', 'ord', 'err', 'v', 'ref', 'sn', 'doc', 'id']
const CODE_SHARE = 1 / 12
const CODE_RANGE = 200_000

const LISTS = Object.values(VOCABULARY).map((v) => v.split(/\s+/).filter(Boolean))
const LANGUAGE_INDEX = LANGUAGE_SHARES.map(([l]) => Object.keys(VOCABULARY).indexOf(l))

/** Rank 1..n with probability ln((r + 1) / r) / ln(n + 1): Zipf with exponent 1. */
const zipf = (n: number, u: number) => Math.min(n, Math.floor((n + 1) ** u))

/** Subject and three messages of ticket g. */
export function ticketText(g: number): [string, string, string, string] {
  // Seeded per ticket, so the chunk size and the ticket count do not change a ticket's text.
  const rnd = mulberry32(Math.imul(g, 0x9e3779b1) ^ 0x5bd1e995)
  let u = rnd()
  let lang = LANGUAGE_INDEX[LANGUAGE_INDEX.length - 1]!
  for (const [i, [, share]] of LANGUAGE_SHARES.entries()) {
    if (u < share) {
      lang = LANGUAGE_INDEX[i]!
      break
    }
    u -= share
  }
  const words = LISTS[lang]!
  const text = (min: number, max: number) => {
    const n = min + Math.floor(rnd() * (max - min + 1))
    const out: string[] = []
    for (let k = 0; k < n; k++) {
      out.push(
        rnd() < CODE_SHARE
          ? `${CODE_PREFIXES[Math.floor(rnd() * CODE_PREFIXES.length)]}-${zipf(CODE_RANGE, rnd())}`
          : words[zipf(words.length, rnd()) - 1]!,
      )
    }
    return out.join(' ')
  }
  return [text(3, 8), text(6, 30), text(6, 30), text(6, 30)]
}

const N_TEAMS = 20

export interface SeedResult {
  tickets: number
  organizations: number
  seconds: number
}

/** Seeds `tickets` tickets across `organizations` new organizations; the queue, state and team come from the database. */
export async function seedTickets(url: string, tickets = 1_000_000, organizations = 10_000, log: (s: string) => void = console.log): Promise<SeedResult> {
  const t0 = performance.now()
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  const step = async (label: string, q: string | (() => Promise<void>), params: unknown[] = []) => {
    const s = performance.now()
    if (typeof q === 'string') await c.query(q, params)
    else await q()
    log(`  ${label} (${((performance.now() - s) / 1000).toFixed(1)} s)`)
  }
  try {
    await c.query(`set session_replication_role = replica`)
    await c.query(`set maintenance_work_mem = '256MB'`)
    await c.query(`set synchronous_commit = off`)
    const indexes = (
      await c.query<{ indexname: string; indexdef: string }>(
        `select indexname, indexdef from pg_indexes where tablename in ('tickets', 'ticket_messages') and indexname not like '%pkey'`,
      )
    ).rows
    for (const i of indexes) await c.query(`drop index ${i.indexname}`)
    log(`dropped ${indexes.length} secondary indexes`)

    await step(
      `${organizations} organizations, contacts`,
      `with o as (
         insert into organizations (id, name, default_locale, time_zone, created_at, updated_at)
         select gen_random_uuid(), 'Seed org ' || g, 'en', 'Europe/Sofia', now(), now() from generate_series(1, $1) g
         returning id)
       insert into contacts (id, organization_id, name, authorized, created_at, updated_at)
       select gen_random_uuid(), id, 'Seed contact', true, now(), now() from o`,
      [organizations],
    )
    await step(
      `${N_TEAMS} teams`,
      `insert into teams (id, name, created_at, updated_at) select gen_random_uuid(), 'Seed team ' || g, now(), now() from generate_series(1, ${N_TEAMS}) g`,
    )
    await c.query(`create temporary table seed_orgs as
      select row_number() over (order by o.id) - 1 as n, o.id, (select id from contacts where organization_id = o.id limit 1) as contact_id
      from organizations o where o.name like 'Seed org %'`)
    await c.query(`create temporary table seed_teams as select row_number() over (order by id) - 1 as n, id from teams where name like 'Seed team %'`)
    await c.query(`create temporary table seed_states as select row_number() over (order by position, key) - 1 as n, id, category from ticket_states`)
    await c.query(`create index on seed_orgs (n)`)
    await step(`text for ${tickets} tickets (made here, sent as arrays)`, async () => {
      // d1–d3: the search document's parts, folded as the service folds them (intake: subject and first message; then each reply).
      await c.query(`create temporary table seed_text (g int, id uuid, subject text, m1 text, m2 text, m3 text, d1 text, d2 text, d3 text, created timestamptz)`)
      const chunk = 10_000
      for (let from = 1; from <= tickets; from += chunk) {
        const gs: number[] = []
        const texts: string[][] = [[], [], [], [], [], [], []]
        for (let g = from; g < Math.min(from + chunk, tickets + 1); g++) {
          gs.push(g)
          const [s, m1, m2, m3] = ticketText(g)
          for (const [i, t] of [s, m1, m2, m3, foldSearchText(`${s}\n${m1}`), foldSearchText(m2), foldSearchText(m3)].entries()) texts[i]!.push(t)
        }
        await c.query(
          `insert into seed_text select g, gen_random_uuid(), s, m1, m2, m3, d1, d2, d3, now() - make_interval(mins => ((g::bigint * 7919) % 525600)::int)
           from unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) u(g, s, m1, m2, m3, d1, d2, d3)`,
          [gs, ...texts],
        )
      }
    })
    await step(
      `${tickets} tickets`,
      `insert into tickets (id, subject, description, channel, requester_id, organization_id, contract_id, queue_id, priority, state_id, state_category,
         team_id, tags, billable, gate_override_reason, created_by, last_customer_message_at, search, next_due_at, created_at, updated_at)
       select x.id, x.subject, jsonb_build_object('text', x.m1), 'email', o.contact_id, o.id, null, q.id,
         (array['low','normal','high','urgent'])[1 + (g % 4)], s.id, s.category, t.id, '{}', true, 'seeded', 'system:seed', x.created + interval '2 minutes',
         to_tsvector('simple', x.d1) || to_tsvector('simple', x.d2) || to_tsvector('simple', x.d3),
         case when s.category in ('new', 'open') and g % 7 <> 0 then x.created + make_interval(hours => 1 + (g % 200)) end,
         x.created, x.created + make_interval(mins => (g % 5000))
       from seed_text x
       join seed_orgs o on o.n = g % $1
       join seed_teams t on t.n = g % ${N_TEAMS}
       join seed_states s on s.n = (g / 3) % (select count(*) from seed_states)
       cross join (select id from queues order by created_at limit 1) q`,
      [organizations],
    )
    await step(
      `${tickets * 3} messages`,
      `insert into ticket_messages (id, ticket_id, visibility, author_kind, author_contact_id, created_by, channel, body_text, created_at)
       select gen_random_uuid(), x.id, 'public', 'contact', o.contact_id, 'system:seed', 'email', m.body, x.created + make_interval(mins => m.n)
       from seed_text x
       join seed_orgs o on o.n = g % $1
       cross join lateral (values (0, x.m1), (1, x.m2), (2, x.m3)) m(n, body)`,
      [organizations],
    )
    await c.query('drop table seed_text')
    await c.query(`set session_replication_role = origin`)
    for (const i of indexes) await step(`index ${i.indexname}`, i.indexdef)
    // VACUUM as well: it sets hint bits and the visibility map now, instead of autovacuum doing it
    // for the freshly loaded tables in the middle of the measurements.
    await step('vacuum, analyze', `vacuum (analyze) tickets, ticket_messages, organizations, contacts`)
  } finally {
    await c.end()
  }
  const seconds = (performance.now() - t0) / 1000
  log(`seeded in ${seconds.toFixed(0)} s`)
  return { tickets, organizations, seconds }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [url, n, orgs] = process.argv.slice(2)
  if (!url) throw new Error('usage: npx tsx bench/_seed-tickets.ts <database url> [tickets] [organizations]')
  await seedTickets(url, Number(n ?? 1_000_000), Number(orgs ?? 10_000))
}
