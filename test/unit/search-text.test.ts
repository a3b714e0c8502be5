// test-scope: no-database
import fc from 'fast-check'
import t from 'tap'
import { foldSearchText } from '../../src/lib/search-text.ts'
import { typedWord } from '../helpers/typed-words.ts'

t.test('two ways of typing a word fold to one form, that of its base letters', async (t) => {
  fc.assert(
    fc.property(typedWord, fc.constantFrom('NFC', 'NFD', 'none'), ([meant, a, b], form) => {
      const as = form === 'none' ? a : a.normalize(form)
      return foldSearchText(as) === foldSearchText(b) && foldSearchText(b) === meant
    }),
    { numRuns: 2000 },
  )
  t.pass()
})

t.test('folding is idempotent: on any text, and on every assigned code point', async (t) => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), (g, u) =>
      [g, u].every((s) => foldSearchText(foldSearchText(s)) === foldSearchText(s)),
    ),
    { numRuns: 2000 },
  )
  // Planes 0–2 and the tags and variation selectors of plane 14: where characters are assigned.
  const bad: string[] = []
  for (const [from, to] of [[0, 0xd7ff], [0xe000, 0x2ffff], [0xe0000, 0xe01ef]] as const) {
    for (let cp = from; cp <= to; cp++) {
      const once = foldSearchText(String.fromCodePoint(cp))
      if (foldSearchText(once) !== once) bad.push(cp.toString(16))
    }
  }
  t.same(bad, [], 'every code point')
})

t.test('the letters of the five languages', async (t) => {
  const cases: Array<[string, string]> = [
    ['Čačkalica ĆEVAPI Šuma Žaba Đurđevac', 'cackalica cevapi suma zaba durdevac'],
    ['ǅepni ǈubav ǋegovo', 'dzepni ljubav njegovo'],
    ['Ştergere Ţară (cedilla) Ștergere Țară (comma below)', 'stergere tara (cedilla) stergere tara (comma below)'],
    ['Factură în câmp ÎNCHIS', 'factura in camp inchis'],
    ['Ёлка ЁЖ счёт', 'елка еж счет'],
    ['Принтерът ѝ ЗАБИВА', 'принтерът и забива'],
    ['Payroll EXPORT', 'payroll export'],
    ['Ðak', 'dak'],
  ]
  for (const [text, folded] of cases) t.equal(foldSearchText(text), folded, text)
  t.equal(foldSearchText('Мой КРАЙ'), 'мой край', 'й keeps its breve')
  t.not(foldSearchText('мой'), foldSearchText('мои'))
})
