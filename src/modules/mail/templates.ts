import { stripReplyPrefixes, withoutTicketTag, withTicketTag } from './threading.ts'

/**
 * Notification mail per locale (issue: "Templates per locale — English, Bulgarian, Romanian,
 * Russian, Croatian at least — chosen by the contact's locale, then the organization's, then
 * English; plain text and HTML"). Typed functions instead of a template engine: every locale must
 * supply every string (the compiler checks), and all interpolated data is escaped in one place.
 * Each template yields blocks (paragraphs and quotes) that are rendered once as text and once as HTML.
 */
export const LOCALES = ['en', 'bg', 'ro', 'ru', 'hr'] as const
export type MailLocale = (typeof LOCALES)[number]

/**
 * The contact's locale, else the organization's, each matched by language part ("bg-BG" → bg),
 * else English. Ukrainian is not mapped to Russian: sending Russian to a Ukrainian customer is not a
 * neutral fallback; English is.
 */
export function chooseLocale(contactLocale?: string | null, orgLocale?: string | null): MailLocale {
  for (const candidate of [contactLocale, orgLocale]) {
    const lang = (candidate ?? '').trim().toLowerCase().split(/[-_]/, 1)[0] as MailLocale
    if ((LOCALES as readonly string[]).includes(lang)) return lang
  }
  return 'en'
}

/** Intl locale per mail locale: en-GB gives "Tue 24 Nov, 13:00" (24-hour, day before month), as our customers read dates. */
const INTL_LOCALE: Record<MailLocale, string> = { en: 'en-GB', bg: 'bg-BG', ro: 'ro-RO', ru: 'ru-RU', hr: 'hr-HR' }

/** A due time as the recipient reads it: weekday, day, month, 24-hour time, in their time zone. */
export function formatDueTime(at: Date, locale: MailLocale, timeZone: string): string {
  return dueTimeFormat(locale, timeZone).format(at)
}

// Making an Intl.DateTimeFormat costs far more than formatting with one (it loads locale and zone
// data), and every acknowledgement formats a due time: one per (locale, time zone), bounded.
const dueTimeFormats = new Map<string, Intl.DateTimeFormat>()
function dueTimeFormat(locale: MailLocale, timeZone: string): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}`
  let f = dueTimeFormats.get(key)
  if (!f) {
    f = new Intl.DateTimeFormat(INTL_LOCALE[locale], { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone })
    if (dueTimeFormats.size >= 1000) dueTimeFormats.clear()
    dueTimeFormats.set(key, f)
  }
  return f
}

export interface TicketRef {
  number: number
  subject: string
}
export type SlaTarget = 'first_response' | 'next_response' | 'resolution'
/** Why a ticket needs an agent's attention beyond SLA warnings (escalation rules, nobody assigned). */
export type AttentionReason = 'escalated' | 'unassigned' | 'other'

export interface NotificationData {
  'ticket.acknowledgement': { ticket: TicketRef; contractName?: string; firstResponseDueAt?: Date; timeZone: string }
  'ticket.agent_reply': { ticket: TicketRef; agentName: string; text: string }
  'ticket.state_changed': { ticket: TicketRef; state: 'waiting_for_customer' | 'resolved' }
  'team.new_ticket': { ticket: TicketRef; contactName: string; organizationName: string; text?: string }
  'team.customer_reply': { ticket: TicketRef; contactName: string; text: string }
  'sla.warning': { ticket: TicketRef; target: SlaTarget; dueAt: Date; timeZone: string }
  'sla.breached': { ticket: TicketRef; target: SlaTarget; dueAt: Date; timeZone: string }
  'ticket.attention': { ticket: TicketRef; reason: AttentionReason }
}
export type NotificationKind = keyof NotificationData
export const NOTIFICATION_KINDS = [
  'ticket.acknowledgement',
  'ticket.agent_reply',
  'ticket.state_changed',
  'team.new_ticket',
  'team.customer_reply',
  'sla.warning',
  'sla.breached',
  'ticket.attention',
] as const satisfies readonly NotificationKind[]

interface Strings {
  hello: string
  ackSubject: (s: string) => string
  ackRegistered: (n: number, s: string) => string
  respondBy: (due: string) => string
  ackReplyHint: (n: number) => string
  waitingSubject: (s: string) => string
  waitingBody: (n: number) => string
  resolvedSubject: (s: string) => string
  resolvedBody: (n: number) => string
  newTicketSubject: (s: string) => string
  newTicketBody: (n: number, contact: string, org: string) => string
  customerReplySubject: (s: string) => string
  customerReplyBody: (n: number, contact: string) => string
  target: Record<SlaTarget, string>
  slaWarningSubject: (s: string) => string
  slaWarningBody: (target: string, n: number, due: string) => string
  slaBreachedSubject: (s: string) => string
  slaBreachedBody: (target: string, n: number, due: string) => string
  attentionSubject: (s: string) => string
  attention: Record<AttentionReason, (n: number) => string>
}

const STRINGS: Record<MailLocale, Strings> = {
  en: {
    hello: 'Hello,',
    ackSubject: (s) => `We received your request: ${s}`,
    ackRegistered: (n, s) => `we have received your request and registered it as ticket #${n}: ${s}.`,
    respondBy: (due) => `we will respond by ${due}`,
    ackReplyHint: (n) => `To add information, reply to this email and keep [#${n}] in the subject.`,
    waitingSubject: (s) => `Waiting for your answer: ${s}`,
    waitingBody: (n) => `To continue with ticket #${n} we need more information from you. Please reply to this email.`,
    resolvedSubject: (s) => `Resolved: ${s}`,
    resolvedBody: (n) => `Ticket #${n} has been resolved. If the problem persists, just reply to this email.`,
    newTicketSubject: (s) => `New ticket: ${s}`,
    newTicketBody: (n, c, o) => `New ticket #${n} from ${c} (${o}).`,
    customerReplySubject: (s) => `Customer reply: ${s}`,
    customerReplyBody: (n, c) => `${c} replied on ticket #${n}.`,
    target: { first_response: 'first response', next_response: 'next response', resolution: 'resolution' },
    slaWarningSubject: (s) => `SLA warning: ${s}`,
    slaWarningBody: (t, n, due) => `The ${t} target of ticket #${n} is due ${due}.`,
    slaBreachedSubject: (s) => `SLA breached: ${s}`,
    slaBreachedBody: (t, n, due) => `The ${t} target of ticket #${n} was due ${due} and has been missed.`,
    attentionSubject: (s) => `Needs attention: ${s}`,
    attention: {
      escalated: (n) => `Ticket #${n} has been escalated to you.`,
      unassigned: (n) => `Ticket #${n} is still not assigned to anyone.`,
      other: (n) => `Ticket #${n} needs your attention.`,
    },
  },
  bg: {
    hello: 'Здравейте,',
    ackSubject: (s) => `Получихме вашето запитване: ${s}`,
    ackRegistered: (n, s) => `получихме вашето запитване и го регистрирахме като заявка #${n}: ${s}.`,
    respondBy: (due) => `ще отговорим до ${due}`,
    ackReplyHint: (n) => `За да добавите информация, отговорете на този имейл и запазете [#${n}] в темата.`,
    waitingSubject: (s) => `Очакваме вашия отговор: ${s}`,
    waitingBody: (n) => `За да продължим по заявка #${n}, имаме нужда от допълнителна информация. Моля, отговорете на този имейл.`,
    resolvedSubject: (s) => `Решена: ${s}`,
    resolvedBody: (n) => `Заявка #${n} е решена. Ако проблемът продължава, просто отговорете на този имейл.`,
    newTicketSubject: (s) => `Нова заявка: ${s}`,
    newTicketBody: (n, c, o) => `Нова заявка #${n} от ${c} (${o}).`,
    customerReplySubject: (s) => `Отговор от клиент: ${s}`,
    customerReplyBody: (n, c) => `${c} отговори по заявка #${n}.`,
    target: { first_response: 'първи отговор', next_response: 'следващ отговор', resolution: 'решаване' },
    slaWarningSubject: (s) => `SLA предупреждение: ${s}`,
    slaWarningBody: (t, n, due) => `Срокът за ${t} по заявка #${n} изтича ${due}.`,
    slaBreachedSubject: (s) => `SLA нарушение: ${s}`,
    slaBreachedBody: (t, n, due) => `Срокът за ${t} по заявка #${n} беше ${due} и е пропуснат.`,
    attentionSubject: (s) => `Изисква внимание: ${s}`,
    attention: {
      escalated: (n) => `Заявка #${n} е ескалирана към вас.`,
      unassigned: (n) => `Заявка #${n} все още не е възложена на никого.`,
      other: (n) => `Заявка #${n} изисква вашето внимание.`,
    },
  },
  ro: {
    hello: 'Bună ziua,',
    ackSubject: (s) => `Am primit solicitarea dumneavoastră: ${s}`,
    ackRegistered: (n, s) => `am primit solicitarea dumneavoastră și am înregistrat-o ca tichetul #${n}: ${s}.`,
    respondBy: (due) => `vom răspunde până la ${due}`,
    ackReplyHint: (n) => `Pentru a adăuga informații, răspundeți la acest e-mail și păstrați [#${n}] în subiect.`,
    waitingSubject: (s) => `Așteptăm răspunsul dumneavoastră: ${s}`,
    waitingBody: (n) => `Pentru a continua cu tichetul #${n} avem nevoie de mai multe informații. Vă rugăm să răspundeți la acest e-mail.`,
    resolvedSubject: (s) => `Rezolvat: ${s}`,
    resolvedBody: (n) => `Tichetul #${n} a fost rezolvat. Dacă problema persistă, răspundeți la acest e-mail.`,
    newTicketSubject: (s) => `Tichet nou: ${s}`,
    newTicketBody: (n, c, o) => `Tichet nou #${n} de la ${c} (${o}).`,
    customerReplySubject: (s) => `Răspuns de la client: ${s}`,
    customerReplyBody: (n, c) => `${c} a răspuns la tichetul #${n}.`,
    target: { first_response: 'primul răspuns', next_response: 'următorul răspuns', resolution: 'rezolvare' },
    slaWarningSubject: (s) => `Avertizare SLA: ${s}`,
    slaWarningBody: (t, n, due) => `Termenul pentru ${t} la tichetul #${n} expiră ${due}.`,
    slaBreachedSubject: (s) => `SLA depășit: ${s}`,
    slaBreachedBody: (t, n, due) => `Termenul pentru ${t} la tichetul #${n} era ${due} și a fost depășit.`,
    attentionSubject: (s) => `Necesită atenție: ${s}`,
    attention: {
      escalated: (n) => `Tichetul #${n} a fost escaladat către dumneavoastră.`,
      unassigned: (n) => `Tichetul #${n} nu este încă alocat nimănui.`,
      other: (n) => `Tichetul #${n} necesită atenția dumneavoastră.`,
    },
  },
  ru: {
    hello: 'Здравствуйте!',
    ackSubject: (s) => `Мы получили ваше обращение: ${s}`,
    ackRegistered: (n, s) => `Мы получили ваше обращение и зарегистрировали его как заявку #${n}: ${s}.`,
    respondBy: (due) => `мы ответим до ${due}`,
    ackReplyHint: (n) => `Чтобы добавить информацию, ответьте на это письмо и сохраните [#${n}] в теме.`,
    waitingSubject: (s) => `Ожидаем вашего ответа: ${s}`,
    waitingBody: (n) => `Чтобы продолжить работу по заявке #${n}, нам нужна дополнительная информация. Пожалуйста, ответьте на это письмо.`,
    resolvedSubject: (s) => `Решено: ${s}`,
    resolvedBody: (n) => `Заявка #${n} решена. Если проблема сохраняется, просто ответьте на это письмо.`,
    newTicketSubject: (s) => `Новая заявка: ${s}`,
    newTicketBody: (n, c, o) => `Новая заявка #${n} от ${c} (${o}).`,
    customerReplySubject: (s) => `Ответ клиента: ${s}`,
    customerReplyBody: (n, c) => `${c} ответил(а) по заявке #${n}.`,
    target: { first_response: 'первый ответ', next_response: 'следующий ответ', resolution: 'решение' },
    slaWarningSubject: (s) => `Предупреждение SLA: ${s}`,
    slaWarningBody: (t, n, due) => `Срок «${t}» по заявке #${n} истекает ${due}.`,
    slaBreachedSubject: (s) => `Нарушение SLA: ${s}`,
    slaBreachedBody: (t, n, due) => `Срок «${t}» по заявке #${n} (${due}) пропущен.`,
    attentionSubject: (s) => `Требует внимания: ${s}`,
    attention: {
      escalated: (n) => `Заявка #${n} эскалирована вам.`,
      unassigned: (n) => `Заявка #${n} всё ещё никому не назначена.`,
      other: (n) => `Заявка #${n} требует вашего внимания.`,
    },
  },
  hr: {
    hello: 'Poštovani,',
    ackSubject: (s) => `Zaprimili smo vaš zahtjev: ${s}`,
    ackRegistered: (n, s) => `zaprimili smo vaš zahtjev i evidentirali ga kao prijavu #${n}: ${s}.`,
    respondBy: (due) => `odgovorit ćemo do ${due}`,
    ackReplyHint: (n) => `Za dodavanje informacija odgovorite na ovu poruku i zadržite [#${n}] u naslovu.`,
    waitingSubject: (s) => `Čekamo vaš odgovor: ${s}`,
    waitingBody: (n) => `Za nastavak rada na prijavi #${n} trebamo dodatne informacije. Molimo odgovorite na ovu poruku.`,
    resolvedSubject: (s) => `Riješeno: ${s}`,
    resolvedBody: (n) => `Prijava #${n} je riješena. Ako problem i dalje postoji, odgovorite na ovu poruku.`,
    newTicketSubject: (s) => `Nova prijava: ${s}`,
    newTicketBody: (n, c, o) => `Nova prijava #${n} od ${c} (${o}).`,
    customerReplySubject: (s) => `Odgovor korisnika: ${s}`,
    customerReplyBody: (n, c) => `${c} je odgovorio/la na prijavu #${n}.`,
    target: { first_response: 'prvi odgovor', next_response: 'sljedeći odgovor', resolution: 'rješavanje' },
    slaWarningSubject: (s) => `SLA upozorenje: ${s}`,
    slaWarningBody: (t, n, due) => `Rok za ${t} na prijavi #${n} ističe ${due}.`,
    slaBreachedSubject: (s) => `SLA prekoračen: ${s}`,
    slaBreachedBody: (t, n, due) => `Rok za ${t} na prijavi #${n} bio je ${due} i nije ispoštovan.`,
    attentionSubject: (s) => `Traži pažnju: ${s}`,
    attention: {
      escalated: (n) => `Prijava #${n} eskalirana je vama.`,
      unassigned: (n) => `Prijava #${n} još nije dodijeljena nikome.`,
      other: (n) => `Prijava #${n} traži vašu pažnju.`,
    },
  },
}

type Block = { p: string } | { quote: string }

const capitalise = (s: string, locale: MailLocale) => s.charAt(0).toLocaleUpperCase(INTL_LOCALE[locale]) + s.slice(1)

function compose<K extends NotificationKind>(kind: K, locale: MailLocale, data: NotificationData[K]): { subject: string; blocks: Block[] } {
  const t = STRINGS[locale]
  const d = data as NotificationData[NotificationKind]
  const { number: n, subject: s } = d.ticket
  switch (kind) {
    case 'ticket.acknowledgement': {
      const a = d as NotificationData['ticket.acknowledgement']
      const blocks: Block[] = [{ p: t.hello }, { p: t.ackRegistered(n, s) }]
      const promise = a.firstResponseDueAt ? t.respondBy(formatDueTime(a.firstResponseDueAt, locale, a.timeZone)) : undefined
      if (a.contractName && promise) blocks.push({ p: `${a.contractName} — ${promise}.` })
      else if (promise) blocks.push({ p: `${capitalise(promise, locale)}.` })
      else if (a.contractName) blocks.push({ p: a.contractName })
      blocks.push({ p: t.ackReplyHint(n) })
      return { subject: t.ackSubject(s), blocks }
    }
    case 'ticket.agent_reply': {
      const r = d as NotificationData['ticket.agent_reply']
      // One "Re:" however the ticket's subject was written (it may come from a customer's reply).
      return { subject: `Re: ${stripReplyPrefixes(withoutTicketTag(s, n))}`, blocks: [{ p: r.text }, { p: `— ${r.agentName}` }] }
    }
    case 'ticket.state_changed': {
      const c = d as NotificationData['ticket.state_changed']
      return c.state === 'resolved'
        ? { subject: t.resolvedSubject(s), blocks: [{ p: t.hello }, { p: t.resolvedBody(n) }] }
        : { subject: t.waitingSubject(s), blocks: [{ p: t.hello }, { p: t.waitingBody(n) }] }
    }
    case 'team.new_ticket': {
      const x = d as NotificationData['team.new_ticket']
      const blocks: Block[] = [{ p: t.newTicketBody(n, x.contactName, x.organizationName) }]
      if (x.text) blocks.push({ quote: x.text })
      return { subject: t.newTicketSubject(s), blocks }
    }
    case 'team.customer_reply': {
      const x = d as NotificationData['team.customer_reply']
      return { subject: t.customerReplySubject(s), blocks: [{ p: t.customerReplyBody(n, x.contactName) }, { quote: x.text }] }
    }
    case 'ticket.attention': {
      const x = d as NotificationData['ticket.attention']
      return { subject: t.attentionSubject(s), blocks: [{ p: t.attention[x.reason](n) }] }
    }
    default: {
      const x = d as NotificationData['sla.warning']
      const due = formatDueTime(x.dueAt, locale, x.timeZone)
      return kind === 'sla.warning'
        ? { subject: t.slaWarningSubject(s), blocks: [{ p: t.slaWarningBody(t.target[x.target], n, due) }] }
        : { subject: t.slaBreachedSubject(s), blocks: [{ p: t.slaBreachedBody(t.target[x.target], n, due) }] }
    }
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

const htmlLines = (s: string) => escapeHtml(s).replace(/\r?\n/g, '<br>\n')

export interface RenderedMail {
  subject: string
  text: string
  html: string
}

/** Subject (always tagged `[#n]`), plain text and HTML of one notification. Every datum is escaped in the HTML. */
export function renderNotification<K extends NotificationKind>(kind: K, locale: MailLocale, data: NotificationData[K]): RenderedMail {
  const { subject, blocks } = compose(kind, locale, data)
  const text = blocks.map((b) => ('p' in b ? b.p : b.quote.replace(/\r?\n/g, '\n').replace(/^/gm, '> '))).join('\n\n')
  const body = blocks
    .map((b) => ('p' in b ? `<p>${htmlLines(b.p)}</p>` : `<blockquote style="margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex">${htmlLines(b.quote)}</blockquote>`))
    .join('\n')
  const html = `<!DOCTYPE html>\n<html lang="${locale}"><head><meta charset="utf-8"></head><body>\n${body}\n</body></html>\n`
  return { subject: withTicketTag(subject.replace(/[\r\n]+/g, ' '), data.ticket.number), text: `${text}\n`, html }
}
