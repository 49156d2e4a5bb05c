DROP INDEX "results_task_state_idx";--> statement-breakpoint
CREATE INDEX "results_subjectless_item_idx" ON "results" USING gin (("data" -> 'item')) WHERE "results"."task_state_id" IS NULL;--> statement-breakpoint
CREATE INDEX "results_task_state_idx" ON "results" USING btree ("task_state_id","submitted_at","id");