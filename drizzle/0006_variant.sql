DROP INDEX "task_states_key";--> statement-breakpoint
ALTER TABLE "task_states" ADD COLUMN "variant" text DEFAULT '' NOT NULL;--> statement-breakpoint
-- The rows of the (testcase, item, arch) key: their variant is their arch, in
-- the canonical text of src/results/variant.ts (JSON.stringify's, which
-- to_json's string escaping matches for the names an arch may be).
UPDATE "task_states" SET "variant" = '{"arch":[' || to_json("arch")::text || ']}' WHERE "arch" <> '';--> statement-breakpoint
CREATE UNIQUE INDEX "task_states_key" ON "task_states" USING btree ("testcase_id","item_id","variant");
