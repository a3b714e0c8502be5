import type { Test } from 'tap'
import type { TestContext } from './build-test-app.ts'

let seq = 0
/** A name no other test of the run uses, so filters and unique indexes see only this test's rows. */
export const unique = (prefix: string) => `${prefix} ${process.pid}-${Date.now()}-${++seq}`

export async function createOrganization(ctx: TestContext, token: string, body: Record<string, unknown> = {}): Promise<{ id: string; timeZone: string }> {
  const res = await ctx.as(token, { method: 'POST', url: '/v1/organizations', payload: { name: unique('Org'), ...body } })
  if (res.statusCode !== 201) throw new Error(`organization: ${res.body}`)
  return res.json()
}

/** Follows `nextCursor` to the end; returns every id seen, in order, and the number of pages. */
export async function walkPages(t: Test, ctx: TestContext, token: string, url: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const sep = url.includes('?') ? '&' : '?'
    const res = await ctx.as(token, { method: 'GET', url: `${url}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}` })
    t.equal(res.statusCode, 200, res.body)
    const body = res.json() as { data: Array<{ id: string }>; nextCursor: string | null }
    ids.push(...body.data.map((r) => r.id))
    cursor = body.nextCursor
    pages++
  } while (cursor && pages < 100)
  return { ids, pages }
}

/** The ids of one list request, for filter assertions. */
export async function listIds(ctx: TestContext, token: string, url: string): Promise<string[]> {
  const res = await ctx.as(token, { method: 'GET', url })
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
  return (res.json() as { data: Array<{ id: string }> }).data.map((r) => r.id)
}
