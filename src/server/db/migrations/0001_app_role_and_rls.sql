-- Custom SQL migration file, put your code below! --
-- The application role: every domain query runs under it (SET LOCAL ROLE in withWorkspace), so
-- row-level security applies even when the connecting user is a superuser or owns the tables.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'albedo_app') THEN
    CREATE ROLE albedo_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
  IF NOT pg_has_role(current_user, 'albedo_app', 'MEMBER') THEN
    EXECUTE format('GRANT albedo_app TO %I', current_user);
  END IF;
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO albedo_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO albedo_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO albedo_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO albedo_app;
--> statement-breakpoint
-- The audit log is append-only for the application.
REVOKE UPDATE, DELETE ON audit_log FROM albedo_app;
--> statement-breakpoint
-- FORCE: the table owner is subject to the policy too, so a query that skipped withWorkspace sees nothing.
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
