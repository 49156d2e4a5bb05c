ALTER TABLE "emissions" DROP CONSTRAINT "emissions_testcase_id_testcases_id_fk";
--> statement-breakpoint
ALTER TABLE "emissions" DROP CONSTRAINT "emissions_item_id_items_id_fk";
--> statement-breakpoint
ALTER TABLE "results" DROP CONSTRAINT "results_testcase_id_testcases_id_fk";
--> statement-breakpoint
ALTER TABLE "results" DROP CONSTRAINT "results_item_id_items_id_fk";
