// The dictionary of search terms: each workspace's distinct terms per kind of record, with a
// trigram index for matching a typed word against them by substring or closeness of spelling.
// Every record keeps its own terms in a generated `search_terms` column with a GIN index, and a
// trigger adds new terms here (migration 0021). A search finds the few terms close to each typed
// word here, then the records holding them through that GIN index, instead of comparing the word
// with every record. See src/server/modules/crm/search-index.ts and docs/decisions.md, "Search".
import { sql } from 'drizzle-orm';
import { index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { workspaceColumn } from './columns.ts';
import { tenantPolicy } from './tenancy.ts';

export const searchTerms = pgTable(
  'search_terms',
  {
    workspaceId: workspaceColumn(),
    /** The record table's name: contacts, organizations, … */
    kind: text('kind').notNull(),
    term: text('term').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.kind, t.term] }),
    index('search_terms_trgm_idx').using('gin', sql`${t.term} gin_trgm_ops`),
    tenantPolicy('search_terms'),
  ],
).enableRLS();
