import { defineConfig } from 'drizzle-kit'

// Generation only needs the schema; no database connection is made.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/index.ts',
  out: './migrations',
  casing: 'snake_case',
})
