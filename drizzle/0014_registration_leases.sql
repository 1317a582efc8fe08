CREATE TABLE `registration_leases` (
	`registration_id` integer PRIMARY KEY NOT NULL,
	`node_id` text NOT NULL,
	`token` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`call_id` text,
	`cseq` integer,
	`contact` text,
	`updated_at` integer,
	FOREIGN KEY (`registration_id`) REFERENCES `registrations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `registration_leases_node_idx` ON `registration_leases` (`node_id`,`expires_at`);--> statement-breakpoint
ALTER TABLE `engine_nodes` ADD `version` text;