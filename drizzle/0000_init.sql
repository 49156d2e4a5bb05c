CREATE TABLE "api_tokens" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "emission_sequence" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"last_seq" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "emission_sequence_single_row" CHECK ("emission_sequence"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "emissions" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"msg_id" text NOT NULL,
	"topic" text NOT NULL,
	"body" json NOT NULL,
	"timestamp" bigint NOT NULL,
	"outcome" text NOT NULL,
	"prev_outcome" text,
	"forced" boolean NOT NULL,
	"result_id" bigint NOT NULL,
	"task_state_id" integer NOT NULL,
	"testcase_id" integer NOT NULL,
	"item_id" integer NOT NULL,
	"arch" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "items" (
	"id" serial PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "results" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"testcase_id" integer NOT NULL,
	"item_id" integer NOT NULL,
	"arch" text DEFAULT '' NOT NULL,
	"outcome" text NOT NULL,
	"note" text,
	"ref_url" text,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"groups" text[] DEFAULT '{}'::text[] NOT NULL,
	"submitted_at" timestamp with time zone NOT NULL,
	"forced" boolean DEFAULT false NOT NULL,
	"task_state_id" integer NOT NULL,
	"state_version" integer NOT NULL,
	"emission_seq" bigint,
	"duplicate_of_seq" bigint
);
--> statement-breakpoint
CREATE TABLE "task_states" (
	"id" serial PRIMARY KEY NOT NULL,
	"testcase_id" integer NOT NULL,
	"item_id" integer NOT NULL,
	"arch" text DEFAULT '' NOT NULL,
	"last_outcome" text,
	"emitted_outcome" text,
	"last_result_id" bigint,
	"last_emission_seq" bigint,
	"result_count" integer DEFAULT 0 NOT NULL,
	"emission_count" integer DEFAULT 0 NOT NULL,
	"state_version" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "testcases" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "emissions" ADD CONSTRAINT "emissions_result_id_results_id_fk" FOREIGN KEY ("result_id") REFERENCES "public"."results"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "emissions" ADD CONSTRAINT "emissions_task_state_id_task_states_id_fk" FOREIGN KEY ("task_state_id") REFERENCES "public"."task_states"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "emissions" ADD CONSTRAINT "emissions_testcase_id_testcases_id_fk" FOREIGN KEY ("testcase_id") REFERENCES "public"."testcases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "emissions" ADD CONSTRAINT "emissions_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_testcase_id_testcases_id_fk" FOREIGN KEY ("testcase_id") REFERENCES "public"."testcases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_task_state_id_task_states_id_fk" FOREIGN KEY ("task_state_id") REFERENCES "public"."task_states"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_emission_seq_emissions_seq_fk" FOREIGN KEY ("emission_seq") REFERENCES "public"."emissions"("seq") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_duplicate_of_seq_emissions_seq_fk" FOREIGN KEY ("duplicate_of_seq") REFERENCES "public"."emissions"("seq") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_states" ADD CONSTRAINT "task_states_testcase_id_testcases_id_fk" FOREIGN KEY ("testcase_id") REFERENCES "public"."testcases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_states" ADD CONSTRAINT "task_states_item_id_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_tokens_name_key" ON "api_tokens" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "api_tokens_hash_key" ON "api_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "emissions_msg_id_key" ON "emissions" USING btree ("msg_id");--> statement-breakpoint
CREATE INDEX "emissions_testcase_idx" ON "emissions" USING btree ("testcase_id","seq");--> statement-breakpoint
CREATE INDEX "emissions_item_idx" ON "emissions" USING btree ("item_id","seq");--> statement-breakpoint
CREATE INDEX "emissions_outcome_idx" ON "emissions" USING btree ("outcome","seq");--> statement-breakpoint
CREATE INDEX "emissions_arch_idx" ON "emissions" USING btree ("arch","seq");--> statement-breakpoint
CREATE INDEX "emissions_created_at_idx" ON "emissions" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "emissions_result_idx" ON "emissions" USING btree ("result_id");--> statement-breakpoint
CREATE UNIQUE INDEX "items_type_name_key" ON "items" USING btree ("type","name");--> statement-breakpoint
CREATE INDEX "items_name_idx" ON "items" USING btree ("name");--> statement-breakpoint
CREATE INDEX "results_testcase_idx" ON "results" USING btree ("testcase_id","id");--> statement-breakpoint
CREATE INDEX "results_item_idx" ON "results" USING btree ("item_id","testcase_id","id");--> statement-breakpoint
CREATE INDEX "results_outcome_idx" ON "results" USING btree ("outcome","id");--> statement-breakpoint
CREATE INDEX "results_arch_idx" ON "results" USING btree ("arch","id");--> statement-breakpoint
CREATE INDEX "results_submitted_at_idx" ON "results" USING btree ("submitted_at");--> statement-breakpoint
CREATE INDEX "results_groups_idx" ON "results" USING gin ("groups");--> statement-breakpoint
CREATE INDEX "results_task_state_idx" ON "results" USING btree ("task_state_id","state_version");--> statement-breakpoint
CREATE UNIQUE INDEX "task_states_key" ON "task_states" USING btree ("testcase_id","item_id","arch");--> statement-breakpoint
CREATE INDEX "task_states_item_idx" ON "task_states" USING btree ("item_id");--> statement-breakpoint
CREATE UNIQUE INDEX "testcases_name_key" ON "testcases" USING btree ("name");--> statement-breakpoint
CREATE INDEX "testcases_name_prefix_idx" ON "testcases" USING btree ("name" text_pattern_ops);--> statement-breakpoint
INSERT INTO "emission_sequence" ("id", "last_seq") VALUES (1, 0);
