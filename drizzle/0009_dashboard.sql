ALTER TABLE "items" ADD COLUMN "package" text GENERATED ALWAYS AS (CASE WHEN "type" = 'koji_build' THEN substring("name" from '^(.+)-[^-]+-[^-]+$') END) STORED;--> statement-breakpoint
CREATE INDEX "items_name_prefix_idx" ON "items" USING btree ("name" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "items_package_idx" ON "items" USING btree ("package" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "results_testcase_time_idx" ON "results" USING btree ("testcase_id","submitted_at","outcome");