import { defineConfig } from 'drizzle-kit';

// Generates SQL migrations from the schema files; no database connection needed.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/server/db/schema/*.ts',
  out: './src/server/db/migrations',
  casing: 'snake_case',
});
