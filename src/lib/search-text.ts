/**
 * The one form text takes for full-text search. Every search document is folded before
 * `to_tsvector('simple', …)` and every `?q=` before `websearch_to_tsquery('simple', …)`, so a word
 * matches however a user types it: in any case, without its diacritics (čačkalica as cackalica,
 * factură as factura), with Romanian ş ţ (cedilla, the old keyboards) or ș ț (comma below), Russian
 * е for ё, Bulgarian и for ѝ. Compatibility decomposition (NFKD) splits accented letters and
 * ligatures (ǆ → dž), the combining diacritics are dropped, and đ (and ð, its look-alike in
 * Croatian text typed on other layouts), which do not decompose, become d.
 *
 * й keeps its breve: it is a letter of its own with its own key on every Cyrillic layout, and folding
 * it would make мой and мои, or край and краи, one word.
 *
 * Folding here rather than with PostgreSQL's `unaccent`: PGlite loads that extension only when the
 * client asks for it, its rules file is the server's, and one function on both sides cannot drift
 * between what is stored and what is asked.
 */
export function foldSearchText(text: string): string {
  // Lower case after NFKD: some compatibility characters decompose to capitals (㎒ → MHz).
  return text.normalize('NFKD').toLowerCase().replace(SHORT_I, 'й').replace(DIACRITICS, '').replace(D_STROKE, 'd')
}

const SHORT_I = /и\u0306/g
/** Combining Diacritical Marks: the accents of Latin, Cyrillic and Greek letters after NFKD. */
const DIACRITICS = /[\u0300-\u036f]/g
const D_STROKE = /[đð]/g

/** How much of one message (or subject) goes into a search document: any real message, bounded for pasted logs. */
export const SEARCH_TEXT_MAX = 100_000

/**
 * The first SEARCH_TEXT_MAX characters of one text, counted in code points as PostgreSQL's `left()`
 * counts them: every write path (intake, a new message, a rebuild in SQL) cuts each text alike.
 */
export function searchPart(text: string): string {
  if (text.length <= SEARCH_TEXT_MAX) return text
  let end = 0
  for (let n = 0; n < SEARCH_TEXT_MAX && end < text.length; n++) end += (text.codePointAt(end) ?? 0) > 0xffff ? 2 : 1
  return text.slice(0, end)
}
