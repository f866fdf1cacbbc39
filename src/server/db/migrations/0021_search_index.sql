CREATE TABLE "search_postings" (
	"workspace_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"term" text NOT NULL,
	"record_id" uuid NOT NULL,
	CONSTRAINT "search_postings_workspace_id_kind_term_record_id_pk" PRIMARY KEY("workspace_id","kind","term","record_id")
);
--> statement-breakpoint
ALTER TABLE "search_postings" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "search_terms" (
	"workspace_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"term" text NOT NULL,
	CONSTRAINT "search_terms_workspace_id_kind_term_pk" PRIMARY KEY("workspace_id","kind","term")
);
--> statement-breakpoint
ALTER TABLE "search_terms" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
DROP INDEX "events_search_trgm_idx";--> statement-breakpoint
DROP INDEX "contacts_search_trgm_idx";--> statement-breakpoint
DROP INDEX "deals_search_trgm_idx";--> statement-breakpoint
DROP INDEX "leads_search_trgm_idx";--> statement-breakpoint
DROP INDEX "notes_search_trgm_idx";--> statement-breakpoint
DROP INDEX "organizations_search_trgm_idx";--> statement-breakpoint
DROP INDEX "projects_search_trgm_idx";--> statement-breakpoint
DROP INDEX "tasks_search_trgm_idx";--> statement-breakpoint
ALTER TABLE "search_terms" ADD CONSTRAINT "search_terms_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "search_terms_trgm_idx" ON "search_terms" USING gin ("term" gin_trgm_ops);--> statement-breakpoint
CREATE POLICY "search_postings_tenant_isolation" ON "search_postings" AS PERMISSIVE FOR ALL TO public USING (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid) WITH CHECK (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "search_terms_tenant_isolation" ON "search_terms" AS PERMISSIVE FOR ALL TO public USING (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid) WITH CHECK (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);--> statement-breakpoint
-- Custom SQL from here on (drizzle-kit wrote the tables, indexes and policies above).
-- Search moves from a trigram index on every record's whole search text to an inverted index:
-- terms per workspace and kind with a trigram index (the dictionary), and postings (term →
-- record). See docs/decisions.md, "Search".
-- The terms of a search text: the runs between white space and ASCII punctuation, each kept to
-- 100 characters, without repeats. Letters outside ASCII stay inside terms. The server cuts a
-- query the same way (src/server/modules/crm/search-index.ts).
CREATE FUNCTION albedo_search_terms(t text) RETURNS text[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT coalesce(array_agg(DISTINCT left(w, 100)), '{}') FROM regexp_split_to_table(t, '[[:space:]!-/:-@\x5b-\x60{-~]+') w WHERE w <> '' $$;--> statement-breakpoint
-- Statement-level triggers with transition tables: one pass per statement, so a bulk insert or an
-- import chunk indexes its rows in two set-based inserts. Terms are inserted in order, so two
-- transactions adding the same new terms wait for each other instead of deadlocking.
CREATE FUNCTION albedo_search_index_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH added AS (
    SELECT n.workspace_id, n.id, w FROM new_rows n, unnest(albedo_search_terms(n.search_text)) w
  ), terms AS (
    INSERT INTO search_terms (workspace_id, kind, term)
      SELECT DISTINCT workspace_id, TG_TABLE_NAME, w FROM added ORDER BY 1, 3
      ON CONFLICT DO NOTHING
  )
  INSERT INTO search_postings (workspace_id, kind, term, record_id)
    SELECT workspace_id, TG_TABLE_NAME, w, id FROM added;
  RETURN NULL;
END $$;--> statement-breakpoint
-- Only rows whose search text changed, and only the terms that came or went.
CREATE FUNCTION albedo_search_index_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH changed AS (
    SELECT o.workspace_id, o.id, o.search_text AS old_text, n.search_text AS new_text
      FROM old_rows o JOIN new_rows n ON n.id = o.id
     WHERE o.search_text IS DISTINCT FROM n.search_text
  ), old_terms AS (
    SELECT c.workspace_id, c.id, w FROM changed c, unnest(albedo_search_terms(c.old_text)) w
  ), new_terms AS (
    SELECT c.workspace_id, c.id, w FROM changed c, unnest(albedo_search_terms(c.new_text)) w
  ), gone AS (
    DELETE FROM search_postings p
     USING (SELECT * FROM old_terms EXCEPT SELECT * FROM new_terms) g
     WHERE p.workspace_id = g.workspace_id AND p.kind = TG_TABLE_NAME AND p.term = g.w AND p.record_id = g.id
  ), added AS (
    SELECT * FROM new_terms EXCEPT SELECT * FROM old_terms
  ), terms AS (
    INSERT INTO search_terms (workspace_id, kind, term)
      SELECT DISTINCT workspace_id, TG_TABLE_NAME, w FROM added ORDER BY 1, 3
      ON CONFLICT DO NOTHING
  )
  INSERT INTO search_postings (workspace_id, kind, term, record_id)
    SELECT workspace_id, TG_TABLE_NAME, w, id FROM added;
  RETURN NULL;
END $$;--> statement-breakpoint
-- A record deleted for good (the trash purge, a workspace deleted) takes its postings along. Its
-- terms stay in the dictionary: a term without postings finds nothing.
CREATE FUNCTION albedo_search_index_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM search_postings p
   USING old_rows o, unnest(albedo_search_terms(o.search_text)) w
   WHERE p.workspace_id = o.workspace_id AND p.kind = TG_TABLE_NAME AND p.term = w AND p.record_id = o.id;
  RETURN NULL;
END $$;--> statement-breakpoint
DO $$
DECLARE
  tbl text;
BEGIN
  FOREACH tbl IN ARRAY ARRAY['organizations', 'contacts', 'leads', 'deals', 'projects', 'tasks', 'notes', 'events'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION albedo_search_index_inserted()', tbl || '_search_inserted', tbl);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION albedo_search_index_updated()', tbl || '_search_updated', tbl);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION albedo_search_index_deleted()', tbl || '_search_deleted', tbl);
    -- The records already there. Row-level security is forced on these tables, so the owner
    -- running this migration would see none of them: lifted for the copy only.
    EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format('INSERT INTO search_terms (workspace_id, kind, term) SELECT DISTINCT workspace_id, %L, w FROM %I, unnest(albedo_search_terms(search_text)) w ON CONFLICT DO NOTHING', tbl, tbl);
    EXECUTE format('INSERT INTO search_postings (workspace_id, kind, term, record_id) SELECT workspace_id, %L, w, id FROM %I, unnest(albedo_search_terms(search_text)) w', tbl, tbl);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', tbl);
  END LOOP;
END
$$;--> statement-breakpoint
-- Forced only now, so the copy above could write the rows of every workspace.
ALTER TABLE search_terms FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE search_postings FORCE ROW LEVEL SECURITY;
