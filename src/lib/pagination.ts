import { AppError } from './errors.ts'

/**
 * Opaque keyset cursors. A cursor carries the sort key of the last row of a page (exact
 * values as text, never a JS Date: STACK.md 24) and the name of the list it belongs to,
 * so a cursor of one list handed to another is refused instead of silently misread.
 */
export interface Page<T> {
  data: T[]
  nextCursor: string | null
}

export const DEFAULT_LIMIT = 50
export const MAX_LIMIT = 200

export function encodeCursor(list: string, key: Array<string | number | null>): string {
  return Buffer.from(JSON.stringify({ l: list, k: key }), 'utf8').toString('base64url')
}

export function decodeCursor(list: string, cursor: string | undefined, arity: number): Array<string | number | null> | undefined {
  if (cursor === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    parsed = undefined
  }
  const p = parsed as { l?: unknown; k?: unknown } | undefined
  if (!p || p.l !== list || !Array.isArray(p.k) || p.k.length !== arity) {
    throw new AppError('INVALID_CURSOR', 'the cursor is malformed or belongs to another list; start again without it', {
      errors: [{ in: 'query', field: 'cursor', message: 'is not a cursor of this list' }],
    })
  }
  return p.k as Array<string | number | null>
}

/** Rows were fetched with limit + 1: trims the extra one and builds the next cursor from the last row kept. */
export function toPage<R, T>(list: string, rows: R[], limit: number, key: (row: R) => Array<string | number | null>, map: (row: R) => T): Page<T> {
  const more = rows.length > limit
  const kept = more ? rows.slice(0, limit) : rows
  const last = kept[kept.length - 1]
  return { data: kept.map(map), nextCursor: more && last !== undefined ? encodeCursor(list, key(last)) : null }
}
