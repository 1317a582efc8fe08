PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_registration_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`registration_id` integer NOT NULL,
	`state` text NOT NULL,
	`code` integer,
	`reason` text,
	`at` integer NOT NULL,
	`expires_at` integer,
	`next_attempt_at` integer,
	`target` text,
	FOREIGN KEY (`registration_id`) REFERENCES `registrations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_registration_events`("id", "registration_id", "state", "code", "reason", "at", "expires_at", "next_attempt_at", "target") SELECT "id", "registration_id", "state", "code", "reason", "at", "expires_at", "next_attempt_at", "target" FROM `registration_events` WHERE "registration_id" IN (SELECT "id" FROM `registrations`);--> statement-breakpoint
DROP TABLE `registration_events`;--> statement-breakpoint
ALTER TABLE `__new_registration_events` RENAME TO `registration_events`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `registration_events_registration_idx` ON `registration_events` (`registration_id`,`at`);--> statement-breakpoint
CREATE TABLE `__new_registration_traces` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`registration_id` integer NOT NULL,
	`direction` text NOT NULL,
	`at` integer NOT NULL,
	`remote` text NOT NULL,
	`text` text NOT NULL,
	FOREIGN KEY (`registration_id`) REFERENCES `registrations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_registration_traces`("id", "registration_id", "direction", "at", "remote", "text") SELECT "id", "registration_id", "direction", "at", "remote", "text" FROM `registration_traces` WHERE "registration_id" IN (SELECT "id" FROM `registrations`);--> statement-breakpoint
DROP TABLE `registration_traces`;--> statement-breakpoint
ALTER TABLE `__new_registration_traces` RENAME TO `registration_traces`;--> statement-breakpoint
CREATE INDEX `registration_traces_registration_idx` ON `registration_traces` (`registration_id`,`id`);