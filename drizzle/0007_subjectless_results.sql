ALTER TABLE "results" ALTER COLUMN "item_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "results" ALTER COLUMN "task_state_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "results" ALTER COLUMN "state_version" DROP NOT NULL;