import type { Db } from '../../db/client.ts'
import { foldSearchText, SEARCH_TEXT_MAX } from '../../lib/search-text.ts'
import * as repo from './tickets.repo.ts'

const documentText = (subject: string, s: repo.SearchSource) => foldSearchText([subject, s.merged, s.messages].filter(Boolean).join('\n'))

/** The folded text of a ticket's search document under a new subject; the ticket is locked by the caller. */
export async function searchDocumentText(tx: Db, ticketId: string, subject: string): Promise<string> {
  const [source] = await repo.searchSources(tx, [ticketId], SEARCH_TEXT_MAX)
  return documentText(subject, source!)
}

/**
 * Rebuilds every ticket's search document from its subject, merged subjects and public messages,
 * folded as queries are (lib/search-text.ts): for documents written before folding, or under an
 * older fold. `npm run admin -- reindex-search`. A batch of tickets per transaction, locked in id
 * order like a merge locks them, so the service may keep running; a second run rewrites nothing.
 * A merged ticket's document keeps its subject only: its messages moved to the ticket it was
 * merged into, which is where search finds them.
 */
export async function reindexSearch(db: Db, batch = 500): Promise<{ tickets: number; rewritten: number }> {
  const total = { tickets: 0, rewritten: 0 }
  let after = '00000000-0000-0000-0000-000000000000'
  for (let more = true; more; ) {
    more = await db.transaction(async (tx) => {
      const ids = await repo.lockTicketsAfter(tx, after, batch)
      if (!ids.length) return false
      const sources = await repo.searchSources(tx, ids, SEARCH_TEXT_MAX)
      total.rewritten += await repo.writeSearchDocuments(tx, sources.map((s) => ({ id: s.id, text: documentText(s.subject, s) })))
      total.tickets += ids.length
      after = ids.at(-1)!
      return ids.length === batch
    })
  }
  return total
}
