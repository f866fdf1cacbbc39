// The search index of CRM records: an inverted index kept by PostgreSQL triggers (migration 0021).
// Every record's search text is cut into terms (runs of characters between spaces and ASCII
// punctuation); the dictionary holds each workspace's distinct terms per kind of record, with a
// trigram index for matching a typed word against them by substring or closeness of spelling; the
// postings say which records hold which term. A search then touches the few terms close to what
// was typed and the records holding them, not every record. See docs/decisions.md, "Search".
import { sql } from 'drizzle-orm';
import { index, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
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

// No foreign keys: a record's postings go with it through the delete trigger, and a check per
// posting would cost every insert several lookups.
export const searchPostings = pgTable(
  'search_postings',
  {
    workspaceId: uuid('workspace_id').notNull(),
    kind: text('kind').notNull(),
    term: text('term').notNull(),
    recordId: uuid('record_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.kind, t.term, t.recordId] }), tenantPolicy('search_postings')],
).enableRLS();
