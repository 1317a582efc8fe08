CREATE TABLE `registration_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`registration_id` integer NOT NULL,
	`state` text NOT NULL,
	`code` integer,
	`reason` text,
	`at` integer NOT NULL,
	`expires_at` integer,
	`next_attempt_at` integer,
	`target` text
);
--> statement-breakpoint
CREATE INDEX `registration_events_registration_idx` ON `registration_events` (`registration_id`,`at`);--> statement-breakpoint
CREATE TABLE `registration_traces` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`registration_id` integer NOT NULL,
	`direction` text NOT NULL,
	`at` integer NOT NULL,
	`remote` text NOT NULL,
	`text` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `registration_traces_registration_idx` ON `registration_traces` (`registration_id`,`id`);