-- Custom SQL migration file, put your code below! --
-- Calendar and notification tables are workspace data like any other: RLS forced.
ALTER TABLE events FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE notification_preferences FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE calendar_feeds FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
-- Events are records like any other: working roles may work with the calendar but not read every
-- member's events ('calendar:*:*' included read_all). Admins, owners and management keep it all.
DO $$
DECLARE w uuid;
BEGIN
  FOR w IN SELECT id FROM workspaces LOOP
    PERFORM set_config('app.workspace_id', w::text, true);
    UPDATE roles
       SET permissions = array_remove(permissions, 'calendar:*:*')
           || ARRAY['calendar:events:read', 'calendar:events:create', 'calendar:events:update', 'calendar:events:delete']
     WHERE is_system AND 'calendar:*:*' = ANY(permissions)
       AND (key IN ('member', 'manager') OR key LIKE '%\_rep' OR key LIKE '%\_manager');
  END LOOP;
  PERFORM set_config('app.workspace_id', '', true);
END $$;
