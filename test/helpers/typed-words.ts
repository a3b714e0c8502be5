import fc from 'fast-check'

/**
 * How a letter may be typed: its capital, its diacritic forms (precomposed or as a base letter
 * with a combining mark) and their capitals. Base letters without an entry are typed in either case.
 */
const VARIANTS: Record<string, string[]> = {
  a: ['ă', 'â', 'á', 'a\u0306'],
  i: ['î', 'í', 'i\u0302'],
  s: ['ș', 'ş', 'š', 's\u0326', 's\u0327', 's\u030c'],
  t: ['ț', 'ţ', 't\u0326', 't\u0327'],
  c: ['č', 'ć', 'c\u030c', 'c\u0301'],
  z: ['ž', 'z\u030c'],
  d: ['đ', 'ð'],
  e: ['é', 'ë'],
  е: ['ё', 'е\u0308'],
  и: ['ѝ', 'и\u0300'],
  й: ['и\u0306'],
}
const LATIN = 'abcdefghijklmnopqrstuvwxyz'
const CYRILLIC = 'абвгдежзийклмнопрстуфхцчшщъыьэюя'

const typed = (letter: string) => {
  const forms = [letter, ...(VARIANTS[letter] ?? [])]
  return fc.constantFrom(...forms, ...forms.map((f) => f.toUpperCase()))
}

/**
 * A word of Latin or Cyrillic letters as it is meant (lower case base letters) and two ways a user
 * may type it (Romanian ş or ș, Croatian with or without diacritics, Russian ё or е, any case).
 */
export const typedWord = fc
  .constantFrom(LATIN, CYRILLIC)
  .chain((alphabet) => fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 12 }))
  .chain((letters) => {
    const way = fc.tuple(...letters.map(typed)).map((l) => l.join(''))
    return fc.tuple(fc.constant(letters.join('')), way, way)
  })
