CREATE TABLE "registration_leases" (
	"registration_id" integer PRIMARY KEY NOT NULL,
	"node_id" text NOT NULL,
	"token" bigint NOT NULL,
	"expires_at" bigint NOT NULL,
	"call_id" text,
	"cseq" integer,
	"contact" text,
	"updated_at" bigint
);
--> statement-breakpoint
ALTER TABLE "engine_nodes" ADD COLUMN "version" text;--> statement-breakpoint
ALTER TABLE "registration_leases" ADD CONSTRAINT "registration_leases_registration_id_registrations_id_fk" FOREIGN KEY ("registration_id") REFERENCES "public"."registrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "registration_leases_node_idx" ON "registration_leases" USING btree ("node_id","expires_at");