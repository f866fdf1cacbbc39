-- Custom SQL migration file, put your code below! --
-- Workspace data like any other: the policy applies to the table's owner too.
ALTER TABLE "saved_views" FORCE ROW LEVEL SECURITY;
