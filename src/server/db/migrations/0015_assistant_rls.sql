-- Custom SQL migration file, put your code below! --
-- The assistant's tables are workspace data like any other: RLS forced, so even the table owner
-- sees only the current workspace's rows.
ALTER TABLE conversations FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE conversation_messages FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE ai_providers FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE ai_settings FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE ai_usage FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
-- Viewers may talk to the assistant (to read); their role still lets them change nothing.
-- Workspace by workspace, because the roles table is under forced RLS too.
DO $$
DECLARE w uuid;
BEGIN
  FOR w IN SELECT id FROM workspaces LOOP
    PERFORM set_config('app.workspace_id', w::text, true);
    UPDATE roles SET permissions = array_append(permissions, 'ai:chat:use')
      WHERE key = 'viewer' AND is_system AND NOT ('ai:chat:use' = ANY(permissions));
  END LOOP;
  PERFORM set_config('app.workspace_id', '', true);
END $$;
