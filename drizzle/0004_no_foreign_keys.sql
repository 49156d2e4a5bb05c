ALTER TABLE "emissions" DROP CONSTRAINT "emissions_result_id_results_id_fk";
--> statement-breakpoint
ALTER TABLE "emissions" DROP CONSTRAINT "emissions_task_state_id_task_states_id_fk";
--> statement-breakpoint
ALTER TABLE "results" DROP CONSTRAINT "results_task_state_id_task_states_id_fk";
--> statement-breakpoint
ALTER TABLE "results" DROP CONSTRAINT "results_emission_seq_emissions_seq_fk";
--> statement-breakpoint
ALTER TABLE "results" DROP CONSTRAINT "results_duplicate_of_seq_emissions_seq_fk";
--> statement-breakpoint
ALTER TABLE "task_states" DROP CONSTRAINT "task_states_testcase_id_testcases_id_fk";
--> statement-breakpoint
ALTER TABLE "task_states" DROP CONSTRAINT "task_states_item_id_items_id_fk";
