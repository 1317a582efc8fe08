CREATE TABLE `test_registrations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`request` text NOT NULL,
	`claimed_at` integer,
	`result` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `engine_nodes` ADD `counters` text;