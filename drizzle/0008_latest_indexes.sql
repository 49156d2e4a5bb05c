DROP INDEX "results_task_state_idx";--> statement-breakpoint
CREATE INDEX "results_subjectless_item_idx" ON "results" USING gin (("data" -> 'item')) WHERE "results"."task_state_id" IS NULL;--> statement-breakpoint
CREATE INDEX "results_task_state_idx" ON "results" USING btree ("task_state_id","submitted_at","id");--> statement-breakpoint
-- Every group a result names gets a row (src/results/groups.ts): the ones named before this by results recorded through GraphQL.
INSERT INTO "result_groups" ("uuid") SELECT DISTINCT g FROM "results", unnest("groups") AS g ON CONFLICT ("uuid") DO NOTHING;