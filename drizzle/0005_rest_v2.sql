CREATE TABLE "result_groups" (
	"id" serial PRIMARY KEY NOT NULL,
	"uuid" text NOT NULL,
	"description" text,
	"ref_url" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "result_groups_uuid_key" UNIQUE("uuid")
);
--> statement-breakpoint
ALTER TABLE "testcases" ADD COLUMN "ref_url" text;