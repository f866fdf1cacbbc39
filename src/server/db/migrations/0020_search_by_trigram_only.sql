-- Search matches every word of the query as a substring, or the whole query by closeness of
-- spelling, both served by the trigram index. The full-text (to_tsvector) indexes only served
-- word prefixes, which the substring match already covers, and cost every search a to_tsvector of
-- each candidate row (half of a search's time) and every insert a second GIN update.
DROP INDEX "events_search_fts_idx";--> statement-breakpoint
DROP INDEX "contacts_search_fts_idx";--> statement-breakpoint
DROP INDEX "deals_search_fts_idx";--> statement-breakpoint
DROP INDEX "leads_search_fts_idx";--> statement-breakpoint
DROP INDEX "notes_search_fts_idx";--> statement-breakpoint
DROP INDEX "organizations_search_fts_idx";--> statement-breakpoint
DROP INDEX "projects_search_fts_idx";--> statement-breakpoint
DROP INDEX "tasks_search_fts_idx";