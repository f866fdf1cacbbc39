-- Custom SQL migration file, put your code below! --
-- Roles are ordinary workspace data: forced. members, sessions and refresh_tokens are read by
-- sign-in and token refresh before any workspace is known, so only the app role is restricted.
ALTER TABLE roles FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
-- users is global (one row per email). The app role may read only users who are members of the
-- current workspace, and may not write users at all: sign-up and sign-in run as the system.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY users_member_visibility ON users FOR SELECT TO albedo_app USING (
  EXISTS (SELECT 1 FROM members m
           WHERE m.user_id = users.id
             AND m.workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid)
);
--> statement-breakpoint
-- The app role sees only the current workspace's own row.
ALTER TABLE workspaces ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY workspaces_self ON workspaces FOR ALL TO albedo_app
  USING (id = nullif(current_setting('app.workspace_id', true), '')::uuid)
  WITH CHECK (id = nullif(current_setting('app.workspace_id', true), '')::uuid);
