// test-scope: no-database (pure code: CI runs it once, in the PGlite pass)
import t from 'tap'
import { missingDescriptionFields } from '../../src/lib/ticket-description.ts'

const howDoI = { requiredFields: ['steps', 'expectedResult', 'section'] as const }
const all = { requiredFields: ['screenshot', 'section', 'expectedResult', 'steps'] as const }
const full = { steps: 'Opened Sales, pressed Post', expectedResult: 'The invoice is posted', section: 'Sales → Invoices' }

t.test('nothing is missing when every required field is present', async (t) => {
  t.same(missingDescriptionFields(howDoI, full, { hasImage: false }), [])
  t.same(missingDescriptionFields(all, full, { hasImage: true }), [])
})

t.test('a type without required fields accepts an empty description', async (t) => {
  t.same(missingDescriptionFields({ requiredFields: [] }, {}, { hasImage: false }), [])
})

t.test('each missing field is named, in canonical order', async (t) => {
  t.same(missingDescriptionFields(all, {}, { hasImage: false }), ['steps', 'expectedResult', 'section', 'screenshot'])
  t.same(missingDescriptionFields(howDoI, { steps: 'x' }, { hasImage: true }), ['expectedResult', 'section'])
})

t.test('blank or null text counts as missing', async (t) => {
  t.same(missingDescriptionFields(howDoI, { ...full, steps: '  \n\t', section: null }, { hasImage: false }), ['steps', 'section'])
})

t.test('a screenshot is satisfied only by an attached image', async (t) => {
  const shot = { requiredFields: ['screenshot'] as const }
  t.same(missingDescriptionFields(shot, full, { hasImage: false }), ['screenshot'])
  t.same(missingDescriptionFields(shot, {}, { hasImage: true }), [])
})

t.test('fields the type does not require are never reported', async (t) => {
  t.same(missingDescriptionFields({ requiredFields: ['section'] }, { steps: '', expectedResult: '' }, { hasImage: false }), ['section'])
})
