CREATE TABLE "result_listeners" (
	"holder" text PRIMARY KEY NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
