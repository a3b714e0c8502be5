import type { TestContext } from './build-test-app.ts'

/** Follows `nextCursor` from `url` (which already has a query) to the end; returns every item and the page count. */
export async function walkPages<T>(ctx: TestContext, token: string, url: string): Promise<{ items: T[]; pages: number }> {
  const items: T[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const res = await ctx.as(token, { method: 'GET', url: `${url}${cursor ? `&cursor=${cursor}` : ''}` })
    if (res.statusCode !== 200) throw new Error(`GET ${url} → ${res.statusCode}: ${res.body}`)
    const body = res.json() as { data: T[]; nextCursor: string | null }
    items.push(...body.data)
    cursor = body.nextCursor
    pages++
  } while (cursor)
  return { items, pages }
}
