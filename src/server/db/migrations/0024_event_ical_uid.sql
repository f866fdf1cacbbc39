ALTER TABLE "events" ADD COLUMN "ical_uid" text;--> statement-breakpoint
CREATE INDEX "events_ical_uid_idx" ON "events" USING btree ("workspace_id","ical_uid") WHERE ical_uid is not null;