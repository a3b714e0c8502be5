import { DESCRIPTION_FIELDS, type DescriptionField } from '../db/schema/ticket-config.ts'

/** The structured part of a request's description, as intake receives it. */
export interface TicketDescription {
  /** What the user did, step by step ("after pressing 'Post' this error appears"). */
  steps?: string | null
  /** What the correct result would have been. */
  expectedResult?: string | null
  /** The section of the program where it happened. */
  section?: string | null
}

/**
 * The description fields a ticket type requires that a request does not carry, in the
 * canonical order, so intake can name each one in its problem response. Blank text counts
 * as missing; `screenshot` is satisfied by any image attached to the request.
 */
export function missingDescriptionFields(
  type: { requiredFields: readonly DescriptionField[] },
  description: TicketDescription,
  attachments: { hasImage: boolean },
): DescriptionField[] {
  const present = (f: DescriptionField) => (f === 'screenshot' ? attachments.hasImage : (description[f] ?? '').trim() !== '')
  return DESCRIPTION_FIELDS.filter((f) => type.requiredFields.includes(f) && !present(f))
}
