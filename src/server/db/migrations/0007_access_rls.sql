-- Custom SQL migration file, put your code below! --
-- Ordinary workspace data: forced. Authentication reads roles, permission sets and personal
-- access tokens in one query as the connecting role, before any workspace transaction exists, so
-- those restrict only the app role (like members and sessions).
ALTER TABLE teams FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE team_members FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE record_shares FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE roles NO FORCE ROW LEVEL SECURITY;
