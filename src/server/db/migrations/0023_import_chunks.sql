CREATE TABLE "data_transfer_chunks" (
	"workspace_id" uuid NOT NULL,
	"transfer_id" uuid NOT NULL,
	"first_row" integer NOT NULL,
	"rows" integer NOT NULL,
	"created_rows" integer DEFAULT 0 NOT NULL,
	"updated_rows" integer DEFAULT 0 NOT NULL,
	"skipped_rows" integer DEFAULT 0 NOT NULL,
	"failed_rows" integer DEFAULT 0 NOT NULL,
	"errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	CONSTRAINT "data_transfer_chunks_transfer_id_first_row_pk" PRIMARY KEY("transfer_id","first_row")
);
--> statement-breakpoint
ALTER TABLE "data_transfer_chunks" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "data_transfers" ADD COLUMN "run_id" uuid;--> statement-breakpoint
ALTER TABLE "data_transfer_chunks" ADD CONSTRAINT "data_transfer_chunks_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "data_transfer_chunks" ADD CONSTRAINT "data_transfer_chunks_transfer_id_data_transfers_id_fk" FOREIGN KEY ("transfer_id") REFERENCES "public"."data_transfers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE POLICY "data_transfer_chunks_tenant_isolation" ON "data_transfer_chunks" AS PERMISSIVE FOR ALL TO public USING (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid) WITH CHECK (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid);--> statement-breakpoint
-- Workspace data like any other: the policy applies to the table's owner too.
ALTER TABLE "data_transfer_chunks" FORCE ROW LEVEL SECURITY;
